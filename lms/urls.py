app_name = "lms"
urlpatterns = []
