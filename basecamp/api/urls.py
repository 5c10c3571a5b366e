from django.urls import path
from rest_framework.routers import SimpleRouter

from basecamp.api import views

router = SimpleRouter()
router.register("rubric-skills", views.RubricSkillViewSet, basename="rubric-skills")
router.register("data-entries", views.DataEntryViewSet, basename="data-entries")
router.register("assessments", views.AssessmentViewSet, basename="assessments")
router.register("teacher-corrections", views.TeacherCorrectionViewSet, basename="teacher-corrections")
router.register("skill-targets", views.SkillTargetViewSet, basename="skill-targets")
router.register("target-proposals", views.TargetProposalViewSet, basename="target-proposals")
router.register("learner-performance", views.LearnerPerformanceViewSet, basename="learner-performance")
router.register("calibrations", views.ModuleDifficultyCalibrationViewSet, basename="calibrations")
router.register("subsystem-competency", views.SubsystemCompetencyViewSet, basename="subsystem-competency")
router.register("ghost-cohorts", views.GhostCohortViewSet, basename="ghost-cohorts")
router.register("races", views.RaceMetadataViewSet, basename="races")
router.register("race-results", views.RaceResultViewSet, basename="race-results")
router.register("module-versions", views.ModuleVersionHistoryViewSet, basename="module-versions")
router.register("simulation-environments", views.SimulationEnvironmentViewSet, basename="simulation-environments")

urlpatterns = [
    path("me/skills/", views.MySkillsView.as_view(), name="my-skills"),
    path("me/target-proposals/", views.MyTargetProposalsView.as_view(), name="my-target-proposals"),
    *router.urls,
]
