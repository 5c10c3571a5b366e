"""System checks `manage.py check --deploy` runs on production settings."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def check_shared_cache(app_configs=None, **kwargs):
    """API throttling counts in the default cache, and sessions are read through it: a
    per-process cache lets each web worker count alone (three workers pass three times
    the limit) and keeps a logged-out session in other workers until it expires."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PER_PROCESS_CACHES:
        return []
    return [Warning(
        f"The default cache ({backend.rsplit('.', 1)[-1]}) is per process, so API throttling does not hold across web workers "
        "and a logout does not reach the other workers' cached sessions.",
        hint="Set CACHE_URL to a shared cache, e.g. redis://127.0.0.1:6379/1.",
        id="frames.W001",
    )]
