"""Shared start-up for the bench scripts: put the project on sys.path and set Django up.

The scripts run as plain files (`.venv/bin/python bench/generate.py`), so they cannot rely on the
project root being importable; DATABASE_URL picks the database exactly as for manage.py.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coalition.settings")
    import django
    from django.conf import settings

    django.setup()
    # Development settings turn DEBUG on, which makes every cursor keep a copy of each query
    # (connection.queries). Production runs with DEBUG off; measure that. The flag is read at
    # query time, so switching it here is enough (CaptureQueriesContext still counts queries).
    settings.DEBUG = False


def database_label() -> str:
    from django.db import connection

    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        version = connection.cursor().connection.info.server_version  # e.g. 150020
        return f"PostgreSQL {version // 10000}.{version % 10000} ({settings_dict['NAME']})"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version} ({settings_dict['NAME']})"
    return connection.vendor


def timed(fn: Any, runs: int) -> dict[str, float]:
    """Median and p95 in ms of `runs` calls of `fn`, after one warm-up call."""
    fn()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    ordered = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(ordered[max(0, round(0.95 * runs) - 1)], 1)}
