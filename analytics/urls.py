from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.index, name="index"),
    path("network/", views.network, name="network"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("rotation/", views.rotation, name="rotation"),
    path("models/", views.models, name="models"),
]
