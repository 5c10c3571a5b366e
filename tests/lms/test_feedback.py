"""One feedback per student per module, after completion; anonymous stays anonymous
for staff in the API, the admin (list, change page, filters, search) and exports."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms import services
from lms.models import ModuleFeedback
from tests.fixtures.lms import complete_intro

pytestmark = pytest.mark.django_db
URL = "/api/v1/lms/feedback/"


@pytest.fixture
def anon(world, lms_world, ingest):
    complete_intro(ingest, world.student_a, lms_world.intro)
    return services.feedback_submit(module=lms_world.intro, student=world.student_a, rating=4, difficulty_rating=2, comment="Secret-ish words",
                                    is_anonymous=True, tags=["helpful"])


def test_feedback_needs_completion_and_is_one_per_module(world, lms_world, ingest):
    with pytest.raises(ValidationError):
        services.feedback_submit(module=lms_world.intro, student=world.student_a, rating=5)
    complete_intro(ingest, world.student_a, lms_world.intro)
    services.feedback_submit(module=lms_world.intro, student=world.student_a, rating=5)
    services.feedback_submit(module=lms_world.intro, student=world.student_a, rating=3, comment="changed my mind")
    assert ModuleFeedback.objects.get().rating == 3
    with pytest.raises(IntegrityError), transaction.atomic():
        ModuleFeedback.objects.create(module=lms_world.intro, student=world.student_a, rating=1)


@pytest.mark.parametrize("field, value", [("rating", 0), ("rating", 6), ("clarity_rating", 9), ("engagement_rating", -1)])
def test_ratings_are_1_to_5(world, lms_world, ingest, client_for, field, value):
    complete_intro(ingest, world.student_a, lms_world.intro)
    r = client_for(world.users["student"]).post(URL, {"module": lms_world.intro.pk, "rating": 3, field: value}, format="json")
    assert r.status_code == 400 and field in r.json()
    with pytest.raises(ValidationError):
        services.feedback_submit(module=lms_world.intro, student=world.student_a, **{"rating": 3, field: value})
    with pytest.raises(IntegrityError), transaction.atomic():
        ModuleFeedback.objects.create(module=lms_world.intro, student=world.student_a, **{"rating": 3, field: value})


def test_student_posts_feedback_through_api(world, lms_world, ingest, client_for):
    complete_intro(ingest, world.student_a, lms_world.intro)
    c = client_for(world.users["student"])
    r = c.post(URL, {"module": lms_world.intro.pk, "rating": 5, "comment": "great", "is_anonymous": True, "tags": ["fun"]}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["student"] == "student-a"  # the author sees their own
    assert c.post(URL, {"module": lms_world.intro.pk, "rating": 5, "bogus": 1}, format="json").status_code == 400
    assert c.post(URL, {"module": lms_world.advanced.pk, "rating": 5}, format="json").status_code == 400  # not completed
    assert client_for(world.users["faculty"]).post(URL, {"module": lms_world.intro.pk, "rating": 5}, format="json").status_code == 403


def test_anonymous_author_hidden_in_api(world, anon, client_for):
    for role in ("faculty", "coordinator", "superuser"):
        rows = client_for(world.users[role]).get(URL).json()["results"]
        assert rows and rows[0]["student"] is None and "student-a" not in str(rows)
        detail = client_for(world.users[role]).get(f"{URL}{anon.pk}/").json()
        assert detail["student"] is None
    # Filtering by author never matches an anonymous feedback.
    assert client_for(world.users["faculty"]).get(URL, {"student": "student-a"}).json()["results"] == []


def test_anonymous_author_hidden_in_admin_and_export(world, anon, login_client):
    c = login_client(world.users["faculty"])
    page = c.get("/admin/lms/modulefeedback/").content.decode()
    assert "Anonymous" in page and "Alice A" not in page and "student-a" not in page
    change = c.get(f"/admin/lms/modulefeedback/{anon.pk}/change/").content.decode()
    assert "Secret-ish words" in change and "Alice A" not in change and "student-a" not in change
    search = c.get("/admin/lms/modulefeedback/", {"q": "Alice"}).content.decode()
    assert "Secret-ish words" not in search
    exported = c.post("/admin/lms/modulefeedback/export/", {"format": "0", "resource": "0", **{f: "on" for f in (
        "modulefeedbackresource_module", "modulefeedbackresource_student", "modulefeedbackresource_rating", "modulefeedbackresource_comment",
        "modulefeedbackresource_is_anonymous")}})
    assert exported.status_code == 200, exported.content[:500]
    body = exported.content.decode()
    assert "Secret-ish words" in body and "student-a" not in body


def test_feedback_page_flow(world, lms_world, ingest, login_client):
    c = login_client(world.users["student"])
    assert c.get("/learn/m/intro/feedback/").status_code == 302  # not completed yet
    complete_intro(ingest, world.student_a, lms_world.intro)
    assert c.get("/learn/m/intro/feedback/").status_code == 200
    bad = c.post("/learn/m/intro/feedback/", {"rating": "9"})
    assert bad.status_code == 400 and "Choose 1 to 5" in bad.content.decode()
    r = c.post("/learn/m/intro/feedback/", {"rating": "4", "clarity_rating": "5", "comment": "Nice", "tags": ["fun", "bogus"], "is_anonymous": "on"})
    assert r.status_code == 302
    f = ModuleFeedback.objects.get()
    assert (f.rating, f.clarity_rating, f.tags, f.is_anonymous) == (4, 5, ["fun"], True)


def test_anonymous_feedback_reimports_as_itself_and_a_new_one_without_author_is_refused(world, anon):
    from frames.imports import run_import
    from lms.resources import ModuleFeedbackResource

    user = world.users["coordinator"]
    exported = ModuleFeedbackResource(user=user).export(queryset=ModuleFeedback.objects.filter(pk=anon.pk))
    report = run_import(resource_class=ModuleFeedbackResource, data=exported.csv, file_format="csv", user=user)
    assert (report.errors, report.created, report.updated) == ([], 0, 0)
    anon.refresh_from_db()
    assert (anon.student_id, anon.is_anonymous, anon.comment) == ("student-a", True, "Secret-ish words")
    # Another moment: no such anonymous feedback, so the row is a new one without a student.
    other = exported.csv.replace(exported.dict[0]["created_at"], "2020-01-01 00:00:00")
    refused = run_import(resource_class=ModuleFeedbackResource, data=other, file_format="csv", user=user)
    assert refused.errors and "student" in str(refused.errors[0])
    assert ModuleFeedback.objects.count() == 1
