"""Run by test_production_settings.py in a subprocess with production environment values:
migrates an in-memory database, fetches pages and prints their headers as JSON."""

import json

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from coalition.accounts.models import User  # noqa: E402

call_command("migrate", verbosity=0)
user = User.objects.create_user("probe@example.org", "a-long-probe-password")
anonymous = Client(HTTP_HOST="portal.example")
signed_in = Client(HTTP_HOST="portal.example")
signed_in.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
plain_http = Client(HTTP_HOST="portal.example")

result = {}
for name, client, path, secure in [
    ("login", anonymous, "/accounts/login/", True),
    ("home_signed_in", signed_in, "/", True),
    ("http", plain_http, "/accounts/login/", False),
]:
    response = client.get(path, secure=secure)
    result[name] = {
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {
            key: {"secure": bool(c["secure"]), "path": c["path"], "domain": c["domain"]}
            for key, c in response.cookies.items()
        },
    }
print(json.dumps(result))
