from django.urls import path
from rest_framework.routers import SimpleRouter

from analytics.api import views

router = SimpleRouter()
router.register("interfaces", views.InterfaceViewSet, basename="interfaces")
router.register("outcomes", views.OutcomeViewSet, basename="outcomes")
router.register("risk-factors", views.RiskFactorViewSet, basename="risk-factors")
router.register("factor-values", views.FactorValueViewSet, basename="factor-values")
router.register("interface-factor-values", views.InterfaceFactorValueViewSet, basename="interface-factor-values")
router.register("factor-models", views.FactorModelViewSet, basename="factor-models")
router.register("model-factors", views.ModelFactorViewSet, basename="model-factors")
router.register("model-validations", views.ModelValidationViewSet, basename="model-validations")

urlpatterns = [path("summary/", views.SummaryView.as_view(), name="summary"), *router.urls]
