from django.apps import AppConfig


class FramesConfig(AppConfig):
    name = "frames"
    verbose_name = "FRAMES registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        # lazy: ready() runs once every app's models are loaded; registers the deploy checks and the job kinds
        from frames import checks, jobs  # noqa: F401
        from frames.roles import sync_role_permissions

        # Runs after every app's migrations so the two groups always hold the
        # permissions the role policy gives them, including later apps' models.
        post_migrate.connect(sync_role_permissions, dispatch_uid="frames.sync_role_permissions")
