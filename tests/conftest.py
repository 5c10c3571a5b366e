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
