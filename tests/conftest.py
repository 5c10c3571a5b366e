"""Root conftest: every file in tests/fixtures/ is a pytest plugin (one per app),
so each app registers its own fixtures without touching this file."""

from pathlib import Path

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in (Path(__file__).parent / "fixtures").glob("*.py") if path.stem != "__init__"
)


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Every suite makes login accounts; PBKDF2 would spend about a second per test on them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _cold_process_caches():
    """Each test starts with the per-process caches that expire by the clock empty (struggle
    detection's calibrations, the list pages' row estimates): one cached by an earlier test
    could expire between two calls of this one (their 60 s period) and add a query to a
    counted block."""
    from frames.base import rest  # lazy: the apps load after this conftest
    from lms import struggle

    struggle.forget_calibration()
    rest._estimates.clear()


def pytest_collection_modifyitems(config, items):
    """Live-server (browser) tests run on PostgreSQL only. On SQLite the live server's thread
    and the test share one in-memory database: in-flight page requests at teardown keep it
    locked, the flush fails, and the next test starts on left-over rows."""
    from django.conf import settings

    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: SQLite's shared in-memory database locks under the live server")
    for item in items:
        if "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(skip)
