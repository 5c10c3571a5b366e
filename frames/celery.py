"""The Celery app: `celery -A frames worker` runs jobs, `celery -A frames beat` starts the
periodic ones. Configuration is the CELERY_* block of frames/settings.py; the job kinds and
the one task that runs them are in frames/jobs.py."""

import functools
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "frames.settings")

app = Celery("frames")
app.config_from_object("django.conf:settings", namespace="CELERY")
# frames.jobs holds the task; each app's <app>/jobs.py registers its kinds from AppConfig.ready.
app.autodiscover_tasks(["frames"], related_name="jobs")


@app.on_after_finalize.connect
def periodic_jobs(sender, **kwargs):
    from frames.jobs import beat_schedule  # lazy: this app loads with the settings, before the models frames.jobs uses

    sender.conf.beat_schedule = beat_schedule()


def producer_transport(url):
    """The kombu transport the web's job producer (frames/jobs.py) sends on, for the broker at
    `url`: for Redis, kombu's own with one change, a channel that keeps its Redis client (kombu
    makes a new client object, over the same connection pool, for every message it sends, which
    costs a request more than the LPUSH itself); None (the configured transport) for any other
    broker. Workers keep the stock transport."""
    from urllib.parse import urlsplit

    if urlsplit(str(url or "")).scheme not in ("redis", "rediss"):
        return None
    return _kept_client_redis_transport()


@functools.cache
def _kept_client_redis_transport():
    from kombu.transport import redis as kombu_redis

    class KeptClientChannel(kombu_redis.Channel):
        _kept_client = None

        def _create_client(self, asynchronous=False):
            if asynchronous:  # the consumer's client: kombu's own
                return super()._create_client(asynchronous=True)
            if self._kept_client is None:
                self._kept_client = super()._create_client()
            return self._kept_client

    class KeptClientTransport(kombu_redis.Transport):
        Channel = KeptClientChannel

    return KeptClientTransport
