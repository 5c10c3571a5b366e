from django.urls import path

from lms import dashboard_views, learner, views

app_name = "lms"
urlpatterns = [
    path("", views.my_learning, name="my-learning"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("m/<slug:slug>/", views.player, name="player"),
    path("m/<slug:slug>/section/<int:number>/", views.section_action, name="section-action"),
    path("m/<slug:slug>/section/<int:number>/sandbox/", views.sandbox_result, name="sandbox-result"),
    path("m/<slug:slug>/section/<int:number>/activity/", views.activity_action, name="activity-action"),
    path("m/<slug:slug>/section/<int:number>/quiz/", views.quiz_submit, name="quiz-submit"),
    path("m/<slug:slug>/section/<int:number>/hint/", views.hint, name="hint"),
    path("m/<slug:slug>/section/<int:number>/buddy/", views.buddy, name="buddy"),
    path("m/<slug:slug>/skip-optional/", views.skip_optional, name="skip-optional"),
    path("m/<slug:slug>/state/", views.state, name="state"),
    path("m/<slug:slug>/restart/", views.restart, name="restart"),
    path("m/<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("calendar/", learner.calendar_page, name="calendar"),
    path("calendar/<str:token>.ics", learner.calendar_feed, name="calendar-feed"),
    path("notifications/", learner.notifications_page, name="notifications"),
    path("profile/", learner.profile, name="profile"),
    path("profile/my-data.json", learner.my_data, name="my-data"),
    path("staff/", dashboard_views.staff_modules, name="staff-modules"),
    path("staff/<slug:slug>/", dashboard_views.dashboard, name="dashboard"),
    path("staff/<slug:slug>/remind/", dashboard_views.overdue_remind_view, name="overdue-remind"),
]
