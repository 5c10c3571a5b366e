from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import SimpleRouter

from frames.api import views

router = SimpleRouter()
router.register("universities", views.UniversityViewSet, basename="universities")
router.register("projects", views.ProjectViewSet, basename="projects")
router.register("teams", views.TeamViewSet, basename="teams")
router.register("faculty", views.FacultyViewSet, basename="faculty")
router.register("students", views.StudentViewSet, basename="students")
router.register("audit-logs", views.AuditLogViewSet, basename="audit-logs")
router.register("agent-logs", views.AgentLogViewSet, basename="agent-logs")

app_name = "api"
urlpatterns = [
    path("", views.APIRootView.as_view(), name="root"),
    path("me/", views.MeView.as_view(), name="me"),
    path("auth/token/", obtain_auth_token, name="token"),
    path("", include(router.urls)),
]
