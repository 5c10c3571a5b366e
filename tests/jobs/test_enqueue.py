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


def _normalised(raw):
    """A message as the worker reads it, without what differs between any two messages (ids, tags)."""
    import json

    message = json.loads(raw)
    for key in ("id", "root_id"):
        message["headers"].pop(key)
    for key in ("correlation_id", "delivery_tag"):
        message["properties"].pop(key)
    body = message.pop("body")
    return message, body


@pytest.mark.django_db(transaction=True)
def test_the_message_is_the_one_celerys_apply_async_sends(queued):
    import base64
    import json

    from frames.jobs import run_job

    log = job_start(kind="calibrate_modules")
    run_job.apply_async(kwargs={"log_id": log.pk}, task_id="celerys-own", argsrepr="()", kwargsrepr=f"{{'log_id': {log.pk}}}")
    celerys, ours = _messages(queued)  # LPUSH: the newest first
    assert json.loads(ours)["headers"]["id"] == log.task_id and json.loads(celerys)["headers"]["id"] == "celerys-own"
    assert _normalised(ours) == _normalised(celerys)
    args, kwargs, _embed = json.loads(base64.b64decode(_normalised(ours)[1]))
    assert (args, kwargs) == ([], {"log_id": log.pk})


@pytest.mark.django_db(transaction=True)
def test_a_named_queue_is_declared_by_its_first_message_only(queued):
    client = redis.Redis.from_url(queued["url"])
    binding = f"{queued['prefix']}_kombu.binding.jobs-other"
    first = job_start(kind="calibrate_modules", queue="jobs-other")
    assert client.exists(binding)  # declared: a worker started later on that queue finds the message
    client.delete(binding)
    second = job_start(kind="calibrate_modules", queue="jobs-other")
    assert not client.exists(binding)  # not declared again by the same producer
    messages = [m.decode() for m in client.lrange(f"{queued['prefix']}jobs-other", 0, -1)]
    assert [second.task_id in messages[0], first.task_id in messages[1]] == [True, True] and _messages(queued) == []


@pytest.mark.django_db(transaction=True)
def test_a_dropped_broker_connection_loses_no_job(queued):
    from frames.jobs import _publisher

    job_start(kind="calibrate_modules")  # the producer's connection is open
    pool = _publisher.connection.default_channel.pool
    connection = pool.get_connection()
    connection.send_command("CLIENT", "ID")
    client_id = connection.read_response()
    pool.release(connection)
    assert redis.Redis.from_url(queued["url"]).client_kill_filter(_id=client_id) == 1  # the broker drops it
    log = job_start(kind="calibrate_modules")
    messages = _messages(queued)
    assert len(messages) == 2 and log.task_id in messages[0]


@pytest.mark.django_db(transaction=True)
def test_apply_from_the_admin_reads_the_user_writes_the_row_and_nothing_else(world, queued, django_assert_num_queries, tmp_path):
    """The enqueue request: one query for the session's user, the INSERT, one message; no session
    or messages write (no cookie, no session row change), no directory scan within its interval."""
    import os

    from django.contrib.sessions.models import Session
    from django.test import Client

    import cadence.admin
    from frames.roles import sync_role_permissions

    sync_role_permissions()  # transactional tests flush the groups' permissions
    previews = tmp_path / "previews"
    previews.mkdir()
    cadence.admin.UPLOAD_DIR, saved = str(previews), cadence.admin.UPLOAD_DIR
    try:
        client = Client()
        client.force_login(world.users["coordinator"], backend="frames.backends.RoleModelBackend")
        export = previews / "prepared.zip"
        export.write_bytes(b"PK\x05\x06" + bytes(18))
        session = client.session
        session["cadence_notion_uploads"] = {"tok": {"path": str(export), "name": "e.zip", "tz": "", "databases": []}}
        session.save()
        stored = Session.objects.get(pk=session.session_key).session_data
        stale = previews / "left-behind.zip"
        stale.write_bytes(b"")
        os.utime(stale, (0, 0))
        cadence.admin._stale_looked_at = None
        client.get("/admin/cadence/notionsyncmetadata/import/")  # the upload page looks for stale previews ...
        assert not stale.exists()
        stale.write_bytes(b"")
        os.utime(stale, (0, 0))
        with django_assert_num_queries(2) as captured:
            response = client.post("/admin/cadence/notionsyncmetadata/import/", {"token": "tok", "apply": "1"})
        assert stale.exists()  # ... at most every STALE_UPLOADS_EVERY seconds
        assert response.status_code == 302
        assert captured.captured_queries[1]["sql"].startswith('INSERT INTO "ascent_basecamp_agent_log"')
        log = AgentLog.objects.get(agent_name="import_notion")
        assert response["Location"] == f"/admin/frames/agentlog/{log.pk}/change/"
        assert response.cookies == {} and Session.objects.get(pk=session.session_key).session_data == stored
        assert not export.exists() and os.path.isfile(log.arguments["path"])  # moved where the workers read it
        assert len(_messages(queued)) == 1 and log.task_id in _messages(queued)[0]
    finally:
        cadence.admin.UPLOAD_DIR = saved


@pytest.mark.django_db(transaction=True)
def test_the_queued_row_is_the_one_the_orm_would_write(queued, django_user_model):
    from django.forms.models import model_to_dict

    user = django_user_model.objects.create_user("enqueuer")
    args = {"path": "/srv/jobs/x.zip", "when": "2026-01-02", "nested": {"a": [1, 2.5, None, True]}}
    log = job_start(kind="calibrate_modules", args=args, user=user, queue="jobs-rows", metadata={"retry_of": 7})
    reference = AgentLog(agent_name=log.agent_name, action_type=log.action_type, status="queued", arguments=args, triggered_by=user,
                         task_id="reference", queue="jobs-rows", metadata={"retry_of": 7})
    reference.save(force_insert=True)
    written, expected = (model_to_dict(AgentLog.objects.get(pk=pk), exclude=["log_id", "timestamp", "task_id"]) for pk in (log.pk, reference.pk))
    assert written == expected
    assert model_to_dict(log, exclude=["log_id", "timestamp", "task_id"]) == expected  # the returned row is the stored one
    assert log.timestamp == AgentLog.objects.get(pk=log.pk).timestamp and not log._state.adding


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_stays_down_fails_the_start_after_the_row_committed_then_the_next_start_reconnects(queued):
    from kombu.exceptions import OperationalError

    from frames.celery import app

    job_start(kind="calibrate_modules")
    saved = {k: app.conf[k] for k in ("broker_url", "task_publish_retry_policy")}
    app.conf.update(broker_url="redis://127.0.0.1:9/0", task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0})
    try:
        with pytest.raises(OperationalError):
            job_start(kind="calibrate_modules")  # nothing listens on port 9
    finally:
        app.conf.update(saved)
    stranded = AgentLog.objects.filter(agent_name="calibrate_modules").order_by("-pk").first()
    assert stranded.status == "queued"  # committed: the coordinator can cancel it or start it again
    log = job_start(kind="calibrate_modules")
    messages = _messages(queued)
    assert len(messages) == 2 and log.task_id in messages[0] and stranded.task_id not in "".join(messages)
