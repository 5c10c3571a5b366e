"""The learners' daily reminders as a job on a real Celery worker: queued twice for the same
day, the worker writes one reminder per assignment and due date (the unique constraint)."""

import datetime

import pytest
from django.utils import timezone

from frames.jobs import job_start
from frames.models import AgentLog, Student
from lms.models import Notification
from tests.jobs.conftest import wait_until

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_due_reminders_job_on_a_worker_reminds_once(world, make_module, start_process):
    from lms import services

    Student.objects.update(email=None)  # the worker's e-mail backend is not the test outbox
    today = timezone.localdate()
    services.assignment_create(module=make_module("due-soon"), student=world.student_a, due_date=today + datetime.timedelta(days=1))
    services.assignment_create(module=make_module("was-due"), student=world.student_a, due_date=today - datetime.timedelta(days=4))
    start_process("worker")
    jobs = [job_start(kind="send_due_reminders", args={"today": today.isoformat()}) for _ in range(2)]
    for job in jobs:
        wait_until(lambda job=job: AgentLog.objects.get(pk=job.pk).status == "succeeded", what=f"job {job.pk} succeeded")
    reports = sorted(AgentLog.objects.get(pk=j.pk).result["reminders"] for j in jobs)
    assert reports == [0, 2]
    assert sorted(Notification.objects.filter(kind__in=["due_tomorrow", "overdue"]).values_list("kind", flat=True)) == ["due_tomorrow", "overdue"]
