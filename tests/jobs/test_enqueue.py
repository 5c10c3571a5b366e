"""What starting a queued job costs: one statement and one message on the broker (Redis,
this session's corner of it; no worker consumes it here)."""

import pytest
import redis
from django.db import transaction

from frames.jobs import job_start
from frames.models import AgentLog


def _messages(queued):
    client = redis.Redis.from_url(queued["url"])
    return [m.decode() for m in client.lrange(f"{queued['prefix']}{queued['queue']}", 0, -1)]


@pytest.mark.django_db(transaction=True)
def test_queued_start_is_one_statement_then_one_message(queued, django_assert_num_queries, django_user_model):
    from cadence.jobs import notion_job_args

    user = django_user_model.objects.create_user("enqueuer")
    with django_assert_num_queries(1) as captured:  # INSERT ... RETURNING, no read
        log = job_start(kind="import_notion", args=notion_job_args(path="/srv/jobs/notion/a.zip", archive_name="a.zip"), user=user)
    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "ascent_basecamp_agent_log"')
    row = AgentLog.objects.get(pk=log.pk)
    assert (row.status, row.task_id, row.triggered_by, row.arguments["archive_name"], row.attempts) == ("queued", log.task_id, user, "a.zip", 0)
    messages = _messages(queued)
    assert len(messages) == 1 and log.task_id in messages[0] and f"'log_id': {log.pk}" in messages[0]


@pytest.mark.django_db(transaction=True)
def test_queued_start_inside_a_transaction_commits_with_it_and_publishes_after(queued, django_assert_num_queries):
    with transaction.atomic():
        with django_assert_num_queries(1):
            log = job_start(kind="calibrate_modules")
        assert _messages(queued) == []  # nothing is handed to a worker before the row is committed
    assert len(_messages(queued)) == 1 and AgentLog.objects.get(pk=log.pk).status == "queued"
    with transaction.atomic():
        job_start(kind="calibrate_modules")
        transaction.set_rollback(True)
    assert len(_messages(queued)) == 1  # a start that rolls back sends nothing
