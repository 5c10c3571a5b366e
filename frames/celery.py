"""The Celery app: `celery -A frames worker` runs jobs, `celery -A frames beat` starts the
periodic ones. Configuration is the CELERY_* block of frames/settings.py; the job kinds and
the one task that runs them are in frames/jobs.py."""

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
