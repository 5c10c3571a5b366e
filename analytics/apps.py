from django.apps import AppConfig


def _follow_entity(sender, instance, created=False, raw=False, **kwargs):
    """An interface end was saved: its university may have changed (a new record has no interfaces yet)."""
    if raw or created:
        return
    from analytics.services import interfaces_follow_entity

    interfaces_follow_entity(entity=instance)


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Research analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_save

        from frames.models import Faculty, Project, Student, Team
        from frames.views import HOME_LINKS

        for model in (Team, Faculty, Project, Student):
            post_save.connect(_follow_entity, sender=model, dispatch_uid=f"analytics.follow_{model._meta.model_name}")
        link = (
            "Research analytics",
            "analytics:index",
            {"faculty", "coordinator", "superuser"},
            "Interface network, outcomes by cohort, term rotation and risk-model scores.",
        )
        if link not in HOME_LINKS:
            HOME_LINKS.append(link)
