from django.urls import path
from rest_framework.routers import SimpleRouter

from lms.api import views

router = SimpleRouter()
router.register("modules", views.ModuleViewSet, basename="modules")
router.register("sections", views.ModuleSectionViewSet, basename="sections")
router.register("prerequisites", views.ModulePrerequisiteViewSet, basename="prerequisites")
router.register("assignments", views.ModuleAssignmentViewSet, basename="assignments")
router.register("progress", views.ModuleProgressViewSet, basename="progress")
router.register("events", views.ModuleAnalyticsEventViewSet, basename="events")
router.register("feedback", views.ModuleFeedbackViewSet, basename="feedback")
router.register("questions", views.ModuleQuestionViewSet, basename="questions")
router.register("quiz-attempts", views.ModuleQuizAttemptViewSet, basename="quiz-attempts")

urlpatterns = [path("xapi/statements", views.XapiStatementsView.as_view(), name="xapi-statements"), *router.urls]
