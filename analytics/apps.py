from django.apps import AppConfig

from frames.navigation import HomeLink
from frames.roles import STAFF_ROLES


def _interfaces_follow_registry(change):
    from analytics.services import interfaces_follow_registry  # lazy: it loads numpy; imported on first use

    return interfaces_follow_registry(change)


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Research analytics"
    default_auto_field = "django.db.models.BigAutoField"
    home_links = (
        HomeLink("Research analytics", "analytics:index", STAFF_ROLES,
                 "Interface network, outcomes by cohort, term rotation and risk-model scores."),
    )

    def ready(self):
        # lazy: ready() runs once every app's models are loaded; jobs registers the app's job kinds
        from analytics import jobs  # noqa: F401
        from frames import events

        # An interface end that moves university carries the interface's derived universities along.
        for event in (events.teams_changed, events.faculty_changed, events.projects_changed, events.students_changed):
            event.subscribe(_interfaces_follow_registry, dispatch_uid="analytics.interfaces_follow_registry")
