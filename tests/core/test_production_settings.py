"""With production environment values the portal passes Django's deploy checks and sends the
security headers docs/operations.md describes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "prod-test-" + "k9$Lq2!vX7#pR4@wZ8^mN3&bT6*yH1(sD5)" * 2,
    "ALLOWED_HOSTS": "portal.example",
    "DATABASE_URL": "sqlite://:memory:",
    "CACHE_URL": "redis://127.0.0.1:6379/9",
    "EMAIL_URL": "smtp://mailer:secret@mail.example:587?tls=1",
    "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "SITE_URL": "https://portal.example",
    "AUDIT_SIGNING_KEY": "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
}


def _run(args: list[str], **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_", "CACHE_"))}
    env.update(PRODUCTION_ENV, DJANGO_SETTINGS_MODULE="coalition.settings", PYTHONPATH=str(ROOT), **extra_env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deploy_check_at_warning_level():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_warns_when_no_key_signs_the_audit_checkpoints():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], AUDIT_SIGNING_KEY="")
    assert result.returncode != 0
    assert "coalition.W003" in result.stderr + result.stdout


def test_deploy_check_warns_when_rate_limits_would_not_be_shared():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], CACHE_URL="locmem://")
    assert result.returncode != 0
    assert "coalition.W001" in result.stderr + result.stdout


def test_deploy_check_warns_when_behind_a_proxy_without_a_trusted_proxy_count():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECURE_PROXY_SSL_HEADER="1")
    assert result.returncode != 0
    assert "coalition.W002" in result.stderr + result.stdout
    agreeing = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        SECURE_PROXY_SSL_HEADER="1",
        TRUSTED_PROXY_COUNT="1",
    )
    assert agreeing.returncode == 0, agreeing.stdout + agreeing.stderr


def test_production_refuses_to_start_without_a_secret_key_or_mfa_keys():
    for missing in ("SECRET_KEY", "MFA_ENCRYPTION_KEYS"):
        result = _run(["manage.py", "check"], **{missing: ""})
        assert result.returncode != 0
        assert f"{missing} must be set" in result.stderr


@pytest.fixture(scope="module")
def pages() -> dict:
    # Without `collectstatic` there is no manifest; the headers do not depend on it.
    result = _run([str(Path(__file__).with_name("prod_probe.py"))], STATIC_MANIFEST="0")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pages_carry_a_strict_content_security_policy(pages):
    for name in ("login", "home_signed_in"):
        csp = pages[name]["headers"]["Content-Security-Policy"]
        directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
        assert directives["object-src"] == ["'none'"]
        assert directives["base-uri"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp


def test_pages_carry_hsts_and_other_security_headers(pages):
    headers = pages["login"]["headers"]
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_cookies_are_secure_host_prefixed(pages):
    cookies = pages["login"]["cookies"]
    assert "__Host-csrftoken" in cookies
    for cookie in cookies.values():
        assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]


def test_signed_in_pages_are_never_stored(pages):
    assert "no-store" in pages["home_signed_in"]["headers"]["Cache-Control"]
    assert pages["home_signed_in"]["status"] == 200


def test_plain_http_is_redirected_to_https(pages):
    assert pages["http"]["status"] == 301
    assert pages["http"]["headers"]["Location"].startswith("https://portal.example/")


def test_production_refuses_a_malformed_mfa_key_or_a_missing_site_url():
    bad_key = _run(["manage.py", "check"], MFA_ENCRYPTION_KEYS="not-a-fernet-key")
    assert bad_key.returncode != 0
    assert "MFA_ENCRYPTION_KEYS: key 1 is not a Fernet key" in bad_key.stderr
    no_site = _run(["manage.py", "check"], SITE_URL="")
    assert no_site.returncode != 0
    assert "SITE_URL must be set" in no_site.stderr
