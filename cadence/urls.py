app_name = "cadence"
urlpatterns = []
