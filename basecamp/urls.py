app_name = "basecamp"
urlpatterns = []
