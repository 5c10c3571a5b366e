from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Learning (LMS)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from frames import events
        from frames.views import HOME_LINKS
        from lms import jobs, services  # noqa: F401  (jobs: registers the app's job kinds)

        # Assignment rules reach students who join (or move team, university or status) later.
        events.students_changed.subscribe(services.assignments_follow_students, dispatch_uid="lms.assignments_follow_students")
        events.teams_changed.subscribe(services.assignments_follow_teams, dispatch_uid="lms.assignments_follow_teams")
        HOME_LINKS.append(("My learning", "lms:my-learning", {"student"}, "Your assigned modules, due dates and progress."))
        HOME_LINKS.append(("Module catalogue", "lms:catalogue", {"student"}, "Browse every published training module."))
        HOME_LINKS.append(("Module dashboards", "lms:staff-modules", {"faculty", "coordinator", "superuser"},
                           "Completion funnels, time and struggle hotspots per module."))
