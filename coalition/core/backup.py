"""Backups that can be proved to restore: the database, the attachment files and a manifest that
says what a faithful copy must contain.

A backup is a directory:

    manifest.json      what the copy must hold: counts and SHA-256 digests of the documents, the
                       revisions (their text), the attachments (their files), the audit events and
                       the Merkle tree's leaves, and the tree's head (its size and root hash), and
                       the SHA-256 of every file here
    database.dump      PostgreSQL: `pg_dump --format=custom`, taken in the same snapshot as the
                       manifest (`pg_export_snapshot`), so the two describe the same moment
    database.sqlite3   SQLite: a copy made with SQLite's online backup API (writers keep working)
    attachments/...    every attachment file the database refers to, under its storage name

`restore` loads one into an empty database and an attachment directory, then checks the copy
against the manifest and verifies the audit log; it fails, naming what differs, unless everything
matches. The manifest's tree head works like a kept checkpoint: a log rewritten before the backup
was taken would not verify, and a backup altered afterwards does not match its manifest.

Only table names and plain SQL are used here, so the core app does not import the others.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction

FORMAT = 1
CHUNK = 1 << 20

# What a copy must hold, table by table: the columns compared and how a row becomes bytes. Dates
# are left out on purpose: both databases return them in their own forms, and they change nothing
# a reader relies on that the hashed columns do not already pin down.
_CHECKS: dict[str, str] = {
    "documents": "SELECT id, owner_id, kind, title, summary, audience, tlp, status, language, "
    "current_revision_id, published_revision_id FROM library_document ORDER BY id",
    "revisions": "SELECT id, document_id, number, body, published_at IS NOT NULL FROM library_revision ORDER BY id",
    "attachments": "SELECT id, document_id, storage_name, size, sha256 FROM library_attachment ORDER BY id",
    # Every event, numbered or not yet (the sequencer may number the rest after the copy).
    "audit_events": "SELECT id, personal_digest, hash FROM audit_auditevent ORDER BY id",
    "audit_leaves": 'SELECT "index", event_id, hash FROM audit_auditleaf ORDER BY "index"',
}
_HEAD = "SELECT size, root_hash FROM audit_treehead WHERE id = 1"


class BackupError(Exception):
    """The backup or the restore cannot go on; the message says why."""


@dataclass(frozen=True)
class Mismatch:
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.what}: {self.detail}"


def _rows(cursor: Any, sql: str) -> Iterator[tuple[Any, ...]]:
    cursor.execute(sql)
    while rows := cursor.fetchmany(2000):
        yield from rows


def _row_bytes(row: Iterable[Any]) -> bytes:
    values = []
    for value in row:
        if isinstance(value, memoryview | bytes):
            value = bytes(value).hex()
        elif isinstance(value, bool):
            value = int(value)
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def describe(cursor: Any) -> dict[str, Any]:
    """The manifest's checks, read through a DB-API cursor on either database."""
    checks: dict[str, Any] = {}
    for name, sql in _CHECKS.items():
        digest = hashlib.sha256()
        count = 0
        for row in _rows(cursor, sql):
            digest.update(_row_bytes(row))
            count += 1
        checks[name] = {"count": count, "sha256": digest.hexdigest()}
    cursor.execute(_HEAD)
    head = cursor.fetchone()
    checks["audit_head"] = {"seq": head[0], "hash": head[1]} if head else None  # the tree's size and root
    return checks


def _attachment_names(cursor: Any) -> list[tuple[str, str]]:
    return [(str(name), str(sha)) for name, sha in _rows(cursor, "SELECT storage_name, sha256 FROM library_attachment")]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _safe_child(root: Path, name: str) -> Path:
    """`root / name`, refusing a name that would leave `root` (a storage name is ours, but a
    backup may come from anywhere)."""
    path = (root / name).resolve()
    if not path.is_relative_to(root.resolve()):
        raise BackupError(f"Refusing the file name {name!r}: it points outside {root}.")
    return path


# --- Taking a backup ------------------------------------------------------------------------------


def create(destination: Path, *, progress: Callable[[str], None] = lambda message: None) -> Path:
    """Write a backup of the default database and the attachments into a new directory under
    `destination`; returns that directory."""
    database = connections["default"]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = destination / f"coalition-backup-{stamp}"
    target.mkdir(parents=True, exist_ok=False)
    try:
        if database.vendor == "postgresql":
            checks, attachments = _dump_postgresql(target, progress)
        elif database.vendor == "sqlite":
            checks, attachments = _copy_sqlite(target, progress)
        else:  # pragma: no cover (the settings allow only these two)
            raise BackupError(f"No backup method for {database.vendor}.")
        progress(f"Copying {len(attachments)} attachment files")
        _copy_attachments(Path(settings.MEDIA_ROOT), target / "attachments", attachments)
        files = {
            str(path.relative_to(target)): file_sha256(path) for path in sorted(target.rglob("*")) if path.is_file()
        }
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "engine": database.vendor,
            "checks": checks,
            "files": files,
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)  # never a backup that looks whole and is not
        raise
    return target


def _pg_environment(alias: str = "default") -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore, with the password in the environment."""
    config = connections[alias].settings_dict
    arguments = []
    if config.get("HOST"):
        arguments += ["--host", str(config["HOST"])]
    if config.get("PORT"):
        arguments += ["--port", str(config["PORT"])]
    if config.get("USER"):
        arguments += ["--username", str(config["USER"])]
    environment = {**os.environ}
    if config.get("PASSWORD"):
        environment["PGPASSWORD"] = str(config["PASSWORD"])
    return arguments, environment


def _dump_postgresql(target: Path, progress: Callable[[str], None]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    database = connections["default"]
    arguments, environment = _pg_environment()
    with transaction.atomic(using="default"), database.cursor() as cursor:
        # One snapshot for the manifest and the dump: both describe the same committed moment.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        progress("Dumping the database (pg_dump)")
        command = [
            "pg_dump",
            *arguments,
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={target / 'database.dump'}",
            str(database.settings_dict["NAME"]),
        ]
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 (no shell)
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        progress("Describing what the copy must hold")
        checks = describe(cursor)
        attachments = _attachment_names(cursor)
    return checks, attachments


def _copy_sqlite(target: Path, progress: Callable[[str], None]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    source_path = str(connections["default"].settings_dict["NAME"])
    copy_path = target / "database.sqlite3"
    progress("Copying the database (SQLite online backup)")
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(copy_path)
    try:
        source.backup(copy, pages=4096)
    finally:
        source.close()
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        cursor = copy.cursor()
        progress("Describing what the copy must hold")
        checks = describe(cursor)
        attachments = _attachment_names(cursor)
    finally:
        copy.close()
    return checks, attachments


def _copy_attachments(media_root: Path, destination: Path, attachments: list[tuple[str, str]]) -> None:
    for name, expected in attachments:
        source = _safe_child(media_root, name)
        if not source.is_file():
            raise BackupError(f"The attachment file {name} is missing from {media_root}.")
        copy = _safe_child(destination, name)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        if file_sha256(copy) != expected:
            raise BackupError(f"The attachment file {name} does not match the SHA-256 its row records.")


# --- Restoring ------------------------------------------------------------------------------------


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((source / "manifest.json").read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} holds no manifest.json: it is not a backup made by `manage.py backup`.") from None
    except ValueError as error:
        raise BackupError(f"{source}/manifest.json is not valid JSON ({error}).") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of format {manifest.get('format')!r}; this version reads {FORMAT}.")
    return manifest


def check_files(source: Path, manifest: dict[str, Any]) -> list[Mismatch]:
    """Every file the manifest lists is in the backup with its SHA-256 (before anything is loaded)."""
    problems = []
    for name, expected in manifest["files"].items():
        path = _safe_child(source, name)
        if not path.is_file():
            problems.append(Mismatch(name, "missing from the backup"))
        elif file_sha256(path) != expected:
            problems.append(Mismatch(name, "its SHA-256 differs from the manifest's (the backup was altered)"))
    return problems


def restore(source: Path, *, progress: Callable[[str], None] = lambda message: None) -> None:
    """Load the backup into the default database (which must be empty) and MEDIA_ROOT."""
    manifest = read_manifest(source)
    database = connections["default"]
    if manifest["engine"] != database.vendor:
        raise BackupError(f"This is a {manifest['engine']} backup; DATABASE_URL points at {database.vendor}.")
    problems = check_files(source, manifest)
    if problems:
        raise BackupError("The backup does not match its manifest: " + "; ".join(map(str, problems)))
    if database.introspection.table_names():
        raise BackupError(
            "The target database is not empty. Restore into a new, empty database (createdb, or a new SQLite path)."
        )
    if manifest["engine"] == "postgresql":
        progress("Loading the database (pg_restore)")
        arguments, environment = _pg_environment()
        command = [
            "pg_restore",
            *arguments,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={database.settings_dict['NAME']}",
            str(source / "database.dump"),
        ]
        result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 (no shell)
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
    else:
        progress("Loading the database (SQLite online backup)")
        database.close()
        copy = sqlite3.connect(source / "database.sqlite3")
        target = sqlite3.connect(str(database.settings_dict["NAME"]))
        try:
            copy.backup(target, pages=4096)
        finally:
            copy.close()
            target.close()
    progress("Copying the attachment files")
    media_root = Path(settings.MEDIA_ROOT)
    for name in manifest["files"]:
        if not name.startswith("attachments/"):
            continue
        stored = name.removeprefix("attachments/")
        destination = _safe_child(media_root, stored)
        if destination.exists() and file_sha256(destination) != manifest["files"][name]:
            raise BackupError(f"{destination} exists with other content; restore into an empty attachment directory.")
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_safe_child(source, name), destination)


def verify(manifest: dict[str, Any]) -> list[Mismatch]:
    """Compare the default database and MEDIA_ROOT with what the manifest says they must hold."""
    database = connections["default"]
    if database.vendor == "sqlite":
        # Read as the backup was described: through sqlite3 itself, so values come back alike.
        database.close()
        plain = sqlite3.connect(str(database.settings_dict["NAME"]))
        try:
            reader = plain.cursor()
            found, attachments = describe(reader), _attachment_names(reader)
        finally:
            plain.close()
    else:
        with database.cursor() as cursor:
            found, attachments = describe(cursor), _attachment_names(cursor)
    problems = []
    for name, expected in manifest["checks"].items():
        if found.get(name) != expected:
            problems.append(Mismatch(name, f"the copy holds {found.get(name)}, the backup recorded {expected}"))
    media_root = Path(settings.MEDIA_ROOT)
    for name, sha in attachments:
        path = _safe_child(media_root, name)
        if not path.is_file():
            problems.append(Mismatch(f"attachment {name}", "its file is missing"))
        elif file_sha256(path) != sha:
            problems.append(Mismatch(f"attachment {name}", "its file's SHA-256 differs from its row's"))
    return problems
