from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    default_auto_field = "django.db.models.BigAutoField"
