"""The restore drill (issue 14): back up a portal with documents, revisions, attachments and an
audit chain; restore it in a fresh process into an empty SQLite database and attachment directory;
the copy verifies (every document, revision and attachment as recorded, the audit chain intact up
to the recorded head). A backup altered afterwards, or a target that is not empty, is refused.
On PostgreSQL the same commands are run by hand (docs/operations.md#backup-and-restore)."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from coalition.audit import tree
from coalition.audit.models import AuditEvent, TreeHead
from coalition.audit.services import record
from coalition.core.backup import file_sha256
from coalition.drafting.services import publication as workflow
from coalition.library import services
from coalition.library.models import TLP, Attachment, Audience, Document, Revision

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n" + bytes(range(256)) * 64

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the backup reads what is committed, as in production
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the PostgreSQL drill is a documented run"),
]


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def portal(media: Path, acme_editor: Any, acme: Any) -> list[Document]:
    documents = []
    for number in range(3):
        document = services.create_document(
            acting_user=acme_editor,
            owner=acme,
            title=f"Policy {number} — “quoted” é",
            body=f"# Scope {number}\n\nFirst text.",
            tlp=TLP.AMBER,
            audience=Audience.COALITION,
        )
        workflow.save_revision(acting_user=acme_editor, document=document, body="Second text ✓", base_number=1)
        services.add_attachment(
            acting_user=acme_editor, document=document, upload=SimpleUploadedFile("a.pdf", PDF), max_bytes=10**6
        )
        documents.append(document)
    workflow.publish(acting_user=acme_editor, document=documents[0])
    return documents


def _restore(backup: Path, database: Path, media: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
        "CACHE_URL": "locmem://",
        "DEBUG": "1",
    }
    return subprocess.run(  # a fresh process, as on the machine the backup is restored to
        [sys.executable, "manage.py", "restore", str(backup), *extra],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _backup(tmp_path: Path) -> Path:
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "backups"), stdout=out, stderr=io.StringIO())
    [made] = (tmp_path / "backups").iterdir()
    assert f"Backup written to {made}: 3 documents, 6 revisions, 3 attachments" in out.getvalue()
    return made


def test_a_backup_restores_into_an_empty_database_and_verifies(portal, tmp_path):
    tree.integrate_all()
    record(action="test.waiting")  # one event not yet in the tree goes into the copy too
    made = _backup(tmp_path)
    manifest = json.loads((made / "manifest.json").read_text())
    head = TreeHead.objects.get()
    assert head.size > 0 and head.size == AuditEvent.objects.count() - 1
    assert manifest["checks"]["audit_head"] == {"seq": head.size, "hash": head.root_hash}

    database, media = tmp_path / "restored.sqlite3", tmp_path / "restored-media"
    result = _restore(made, database, media)
    assert result.returncode == 0, result.stderr
    assert "Restored and verified: 3 documents, 6 revisions, 3 attachments" in result.stdout
    assert f"Audit log intact: Tree of {head.size} events verified" in result.stdout

    # Read the copy independently of the restore command's own checks.
    copy = sqlite3.connect(database)
    try:
        titles = sorted(row[0] for row in copy.execute("SELECT title FROM library_document"))
        bodies = sorted(row[0] for row in copy.execute("SELECT body FROM library_revision"))
        stored = sorted(copy.execute("SELECT storage_name, sha256 FROM library_attachment"))
    finally:
        copy.close()
    assert titles == sorted(Document.objects.values_list("title", flat=True))
    assert bodies == sorted(Revision.objects.values_list("body", flat=True))
    assert stored == sorted(Attachment.objects.values_list("storage_name", "sha256"))
    for name, _sha in stored:
        assert (media / name).read_bytes() == PDF

    verify_again = _restore(made, database, media, "--verify-only")
    assert verify_again.returncode == 0, verify_again.stderr


def test_a_backup_altered_after_it_was_taken_is_refused(portal, tmp_path):
    made = _backup(tmp_path)
    copy = sqlite3.connect(made / "database.sqlite3")
    copy.execute("UPDATE library_revision SET body = 'rewritten' WHERE number = 2")
    copy.commit()
    copy.close()
    result = _restore(made, tmp_path / "restored.sqlite3", tmp_path / "restored-media")
    assert result.returncode != 0
    assert "database.sqlite3: its SHA-256 differs from the manifest's (the backup was altered)" in result.stderr
    untouched = sqlite3.connect(tmp_path / "restored.sqlite3")
    assert untouched.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)  # nothing was loaded
    untouched.close()

    # Someone who also rewrites the manifest's file hashes is still caught by its checks.
    manifest_path = made / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["database.sqlite3"] = file_sha256(made / "database.sqlite3")
    manifest_path.write_text(json.dumps(manifest))
    result = _restore(made, tmp_path / "restored2.sqlite3", tmp_path / "restored-media2")
    assert result.returncode != 0
    assert "revisions: the copy holds" in result.stderr


def test_a_missing_attachment_file_is_named(portal, tmp_path):
    made = _backup(tmp_path)
    victim = next((made / "attachments").rglob("*"))
    while victim.is_dir():
        victim = next(victim.iterdir())
    victim.unlink()
    result = _restore(made, tmp_path / "restored.sqlite3", tmp_path / "restored-media")
    assert result.returncode != 0 and "missing from the backup" in result.stderr


def test_restore_refuses_a_database_that_is_not_empty(portal, tmp_path):
    made = _backup(tmp_path)
    result = _restore(made, Path(connection.settings_dict["NAME"]), tmp_path / "restored-media")
    assert result.returncode != 0
    assert "The target database is not empty" in result.stderr
    assert Document.objects.count() == 3  # untouched
