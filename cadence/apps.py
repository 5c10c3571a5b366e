from django.apps import AppConfig


class CadenceConfig(AppConfig):
    name = "cadence"
    default_auto_field = "django.db.models.BigAutoField"
