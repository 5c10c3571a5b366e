from django.apps import AppConfig

from frames.navigation import HomeLink
from frames.roles import STAFF_ROLES


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Learning (LMS)"
    default_auto_field = "django.db.models.BigAutoField"
    home_links = (
        HomeLink("My learning", "lms:my-learning", frozenset({"student"}), "Your assigned modules, due dates and progress."),
        HomeLink("Module catalogue", "lms:catalogue", frozenset({"student"}), "Browse every published training module."),
        HomeLink("Module dashboards", "lms:staff-modules", STAFF_ROLES, "Completion funnels, time and struggle hotspots per module."),
    )

    def ready(self):
        # lazy: ready() runs once every app's models are loaded; jobs registers the app's job kinds
        from frames import events
        from lms import jobs, services  # noqa: F401

        # Assignment rules reach students who join (or move team, university or status) later.
        events.students_changed.subscribe(services.assignments_follow_students, dispatch_uid="lms.assignments_follow_students")
        events.teams_changed.subscribe(services.assignments_follow_teams, dispatch_uid="lms.assignments_follow_teams")
        from frames.navigation import NavItem, learner_nav_register
        from frames.views import HOME_PANELS
        from lms import hooks, learner  # lazy: ready(), as above

        # The learner navigation (frames/navigation.py) and Home's to-do list.
        learner_nav_register(NavItem(10, "My learning", "lms:my-learning", ("/learn/m/",)))
        learner_nav_register(NavItem(20, "Catalogue", "lms:catalogue"))
        learner_nav_register(NavItem(50, "Calendar", "lms:calendar"))
        learner_nav_register(NavItem(60, "Notifications", "lms:notifications", badge=learner.unread_badge))
        learner_nav_register(NavItem(70, "Profile", "lms:profile"))
        if learner.todo_panel not in hooks.HOME_TODO_PANELS:
            hooks.HOME_TODO_PANELS.insert(0, learner.todo_panel)
        if learner.home_todo not in HOME_PANELS:
            HOME_PANELS.append(learner.home_todo)
