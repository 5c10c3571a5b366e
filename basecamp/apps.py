from django.apps import AppConfig


class BasecampConfig(AppConfig):
    name = "basecamp"
    verbose_name = "Basecamp: adaptive learning and skills"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from basecamp import jobs  # noqa: F401  (registers the app's job kinds)
        from frames.navigation import NavItem, learner_nav_register
        from frames.views import HOME_LINKS

        learner_nav_register(NavItem(30, "My skills", "basecamp:my-skills"))
        learner_nav_register(NavItem(40, "Races", "basecamp:races", ("/basecamp/race/",)))
        HOME_LINKS.append(("My skills", "basecamp:my-skills", {"student"}, "Your skill levels over time, targets and badges."))
        HOME_LINKS.append(("Skills review", "basecamp:review-queue", {"faculty", "coordinator", "superuser"},
                           "Check the assessor's least confident skill assessments and correct them."))
        from basecamp import integration

        integration.connect()
