"""A student's feedback on a module is one row, written as an upsert: twenty
simultaneous first submissions (a double-click, a retrying phone) all succeed
and leave one feedback, which each of them returns (five of twenty used to be
400s: each saw no row, inserted, and lost the race on the unique pair). The API
answers 201 to the submission that created the row and 200 to one that edited it."""

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone
from rest_framework.test import APIClient

from lms.models import ModuleFeedback, ModuleProgress

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrent transactions need PostgreSQL (SQLite serialises writers)")

THREADS = 20


def complete(w):
    now = timezone.now()
    ModuleProgress.objects.create(module=w.intro, student=w.student_a, status="completed", progress_percent=100, started_at=now, completed_at=now)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_feedbacks_leave_one_row(lms_world):
    w = lms_world
    complete(w)
    user = w.users["student"]
    barrier = threading.Barrier(THREADS)
    results = [None] * THREADS

    def submit(n):
        try:
            client = APIClient()
            client.force_authenticate(user)
            barrier.wait()
            response = client.post("/api/v1/lms/feedback/", {"module": w.intro.pk, "rating": 1 + n % 5, "comment": f"take {n}"}, format="json")
            results[n] = (response.status_code, response.json())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # One submission inserted the row (201); every other edited it (200), none refused.
    assert sorted(code for code, _ in results) == [200] * (THREADS - 1) + [201], [r for r in results if r[0] not in (200, 201)]
    rows = list(ModuleFeedback.objects.filter(module=w.intro, student=w.student_a))
    assert len(rows) == 1
    assert {body["id"] for _, body in results} == {rows[0].pk}
    assert rows[0].comment in {f"take {n}" for n in range(THREADS)}


@pytest.mark.django_db
def test_a_second_submission_edits_the_first(lms_world):
    from lms.services import feedback_submit

    w = lms_world
    complete(w)
    first = feedback_submit(module=w.intro, student=w.student_a, rating=2, comment="hard")
    second = feedback_submit(module=w.intro, student=w.student_a, rating=5, comment="fine after all")
    assert first.pk == second.pk
    assert ModuleFeedback.objects.get().comment == "fine after all"


@pytest.mark.django_db
def test_api_answers_201_for_a_new_feedback_and_200_for_an_edit(lms_world):
    w = lms_world
    complete(w)
    client = APIClient()
    client.force_authenticate(w.users["student"])
    first = client.post("/api/v1/lms/feedback/", {"module": w.intro.pk, "rating": 2, "comment": "hard"}, format="json")
    assert first.status_code == 201, first.content
    second = client.post("/api/v1/lms/feedback/", {"module": w.intro.pk, "rating": 5, "comment": "fine after all"}, format="json")
    assert second.status_code == 200, second.content
    assert second.json()["id"] == first.json()["id"]
    assert (second.json()["rating"], second.json()["comment"]) == (5, "fine after all")
    assert ModuleFeedback.objects.get().rating == 5
