from django import template

from frames.navigation import learner_nav

register = template.Library()


@register.inclusion_tag("frames/_learner_nav.html", takes_context=True)
def learner_navigation(context):
    request = context["request"]
    return {"items": learner_nav(request), "user": request.user, "csrf_token": context.get("csrf_token")}
