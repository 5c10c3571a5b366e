from django.urls import path

from cadence import views

app_name = "cadence"
urlpatterns = [
    path("operations/", views.operations, name="operations"),
]
