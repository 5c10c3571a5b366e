"""Production settings pass Django's deployment checks, and the login lockout
(django-axes) holds against a forged X-Forwarded-For."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean():
    env = {
        key: value for key, value in os.environ.items()
        # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
        if key not in {"DEBUG", "TESTING", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
                       "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update({
        "DEBUG": "0",
        "SECRET_KEY": "k3y-for-the-deploy-check-only-" + "x9#Lq2@vZ" * 6,
        "ALLOWED_HOSTS": "frames.example.edu",
        "DJANGO_SETTINGS_MODULE": "frames.settings",
        "CACHE_URL": "redis://127.0.0.1:6379/0",  # production has a shared cache (frames.W001 otherwise)
    })
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_required_without_debug():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "TESTING"}}
    env.update({"DEBUG": "0", "DJANGO_SETTINGS_MODULE": "frames.settings"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_login_lockout_holds_against_forged_forwarded_for(settings):
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="learner")
    user.set_password("the-right-password-42")
    user.save()
    client = Client(REMOTE_ADDR="203.0.113.7")
    # A good login works before any failure.
    response = client.post("/accounts/login/", {"username": "learner", "password": "the-right-password-42"})
    assert response.status_code == 302
    client.logout()
    limit = settings.AXES_FAILURE_LIMIT
    for i in range(limit):
        response = client.post(
            "/accounts/login/", {"username": "learner", "password": f"wrong-{i}"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}",
        )
        # The form again with its error until the limit; the failure that reaches it is answered with the lockout (429).
        assert response.status_code == (429 if i == limit - 1 else 200), (i, response.status_code)
    # Locked: the right password, with yet another forged address, does not get in.
    for forged in ["192.0.2.99", "127.0.0.1", "203.0.113.7, 10.0.0.1"]:
        response = client.post(
            "/accounts/login/", {"username": "learner", "password": "the-right-password-42"}, HTTP_X_FORWARDED_FOR=forged,
        )
        assert response.status_code == 429, response.status_code  # axes' lockout answer (AXES_HTTP_RESPONSE_CODE)
        assert "_auth_user_id" not in client.session
    # The lock is on this username from this address: another account from it still logs in
    # (the address alone locks at AXES_ADDRESS_FAILURE_LIMIT: tests/security/test_limits.py).
    other = UserFactory(username="other-learner")
    other.set_password("another-right-password-42")
    other.save()
    response = client.post("/accounts/login/", {"username": "other-learner", "password": "another-right-password-42"}, HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert response.status_code == 302


@pytest.mark.django_db
def test_failures_from_another_address_do_not_lock_out_by_forwarded_for(settings):
    """The counter is keyed on REMOTE_ADDR: failures sent with a victim's address in
    X-Forwarded-For do not lock the victim's real address out."""
    from django.core.cache import cache

    cache.clear()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = UserFactory(username="victim")
    user.set_password("victim-password-42")
    user.save()
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for i in range(settings.AXES_FAILURE_LIMIT):
        attacker.post("/accounts/login/", {"username": f"nobody{i}", "password": "x"}, HTTP_X_FORWARDED_FOR="203.0.113.50")
    victim = Client(REMOTE_ADDR="203.0.113.50")
    response = victim.post("/accounts/login/", {"username": "victim", "password": "victim-password-42"})
    assert response.status_code == 302
