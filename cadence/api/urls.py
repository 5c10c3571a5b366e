from rest_framework.routers import SimpleRouter

from cadence.api import views

router = SimpleRouter()
router.register("people", views.PersonViewSet, basename="people")
router.register("workstreams", views.WorkstreamViewSet, basename="workstreams")
router.register("tasks", views.TaskViewSet, basename="tasks")
router.register("meetings", views.MeetingViewSet, basename="meetings")
router.register("documents", views.DocumentViewSet, basename="documents")
router.register("raw-content", views.RawContentViewSet, basename="raw-content")
router.register("sync-runs", views.NotionSyncMetadataViewSet, basename="sync-runs")

urlpatterns = router.urls
