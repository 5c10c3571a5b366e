from django.apps import AppConfig

from frames.navigation import HomeLink
from frames.roles import STAFF_ROLES


class CadenceConfig(AppConfig):
    name = "cadence"
    verbose_name = "CADENCE"
    default_auto_field = "django.db.models.BigAutoField"
    home_links = (
        HomeLink("CADENCE operations", "cadence:operations", STAFF_ROLES,
                 "Tasks by status and subsystem (overdue marked), the week's meetings and the documents of the CADENCE program."),
    )

    def ready(self):
        from django.db.models.signals import post_migrate, pre_migrate

        # lazy: ready() runs once every app's models are loaded; jobs registers the app's job kinds
        from cadence import jobs, legacy_views  # noqa: F401

        # Old schema 000's read-only views step aside while migrations alter the tables they read.
        pre_migrate.connect(legacy_views.before_migrate, sender=self, dispatch_uid="cadence_legacy_views_drop")
        post_migrate.connect(legacy_views.after_migrate, sender=self, dispatch_uid="cadence_legacy_views_create")

        from cadence.services import people_follow_registry  # lazy: ready(), as above
        from frames import events

        # People stay linked to the student or faculty record with their e-mail.
        events.students_changed.subscribe(people_follow_registry, dispatch_uid="cadence.people_follow_students")
        events.faculty_changed.subscribe(people_follow_registry, dispatch_uid="cadence.people_follow_faculty")
