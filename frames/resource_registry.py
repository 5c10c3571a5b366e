from django.contrib import admin


def resource_for(model):
    """The import resource the model's admin uses (one place declares it)."""
    model_admin = admin.site._registry.get(model)
    classes = getattr(model_admin, "resource_classes", None) or []
    return classes[0] if classes else None
