from django.apps import AppConfig


class BasecampConfig(AppConfig):
    name = "basecamp"
    default_auto_field = "django.db.models.BigAutoField"
