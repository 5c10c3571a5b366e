from django.urls import path

from basecamp import views

app_name = "basecamp"
urlpatterns = [
    path("review/", views.review_queue, name="review-queue"),
    path("review/<int:pk>/", views.review_detail, name="review-detail"),
    path("agreement/", views.agreement, name="agreement"),
    path("skills/", views.my_skills, name="my-skills"),
    path("students/<str:student_id>/skills/", views.student_skills, name="student-skills"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal-decide"),
    path("race/<int:module_pk>/", views.race, name="race"),
    path("race/<int:module_pk>/panel/", views.race_panel, name="race-panel"),
    path("races/", views.races, name="races"),
    path("leaderboard-preference/", views.leaderboard_preference, name="leaderboard-preference"),
]
