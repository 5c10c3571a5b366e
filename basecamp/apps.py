from django.apps import AppConfig

from frames.navigation import HomeLink
from frames.roles import STAFF_ROLES


class BasecampConfig(AppConfig):
    name = "basecamp"
    verbose_name = "Basecamp: adaptive learning and skills"
    default_auto_field = "django.db.models.BigAutoField"
    home_links = (
        HomeLink("My skills", "basecamp:my-skills", frozenset({"student"}), "Your skill levels over time, targets and badges."),
        HomeLink("Skills review", "basecamp:review-queue", STAFF_ROLES,
                 "Check the assessor's least confident skill assessments and correct them."),
    )

    def ready(self):
        # lazy: ready() runs once every app's models are loaded; jobs registers the app's job kinds
        from basecamp import jobs  # noqa: F401
        from frames.navigation import NavItem, learner_nav_register

        learner_nav_register(NavItem(30, "My skills", "basecamp:my-skills"))
        learner_nav_register(NavItem(40, "Races", "basecamp:races", ("/basecamp/race/",)))
        from basecamp import integration  # lazy: ready(), as above

        integration.connect()
