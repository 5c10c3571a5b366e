from django.apps import AppConfig


class CadenceConfig(AppConfig):
    name = "cadence"
    verbose_name = "CADENCE"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate, post_save, pre_migrate

        from cadence import legacy_views

        # Seed 000's read-only views step aside while migrations alter the tables they read.
        pre_migrate.connect(legacy_views.before_migrate, sender=self, dispatch_uid="cadence_legacy_views_drop")
        post_migrate.connect(legacy_views.after_migrate, sender=self, dispatch_uid="cadence_legacy_views_create")

        from frames.models import Faculty, Student
        from frames.views import HOME_LINKS

        def follow(sender, instance, raw=False, **kwargs):
            if raw:
                return
            from cadence.services import people_follow_registry

            people_follow_registry(record=instance)

        post_save.connect(follow, sender=Student, dispatch_uid="cadence_people_follow_student", weak=False)
        post_save.connect(follow, sender=Faculty, dispatch_uid="cadence_people_follow_faculty", weak=False)
        HOME_LINKS.append((
            "CADENCE operations", "admin:cadence_task_changelist", {"faculty", "coordinator", "superuser"},
            "Tasks, meetings and documents of the CADENCE program, imported from Notion.",
        ))
