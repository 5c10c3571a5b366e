# The Celery app loads with Django, so shared tasks bind to it (frames/celery.py).
from frames.celery import app as celery_app

__all__ = ["celery_app"]
