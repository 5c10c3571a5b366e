import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The world fixture makes six accounts; PBKDF2 would spend a second per test on them."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
