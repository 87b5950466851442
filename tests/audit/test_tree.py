"""The audit log's Merkle tree: the sequencer integrates every event exactly once, in order,
under concurrent writers and racing sequencers; proofs from the stored tree are RFC 9162's and
verify; audit_verify names the culprit of each kind of tampering, including a log rewritten and
re-chained consistently by someone without the key, caught against a kept checkpoint."""

from __future__ import annotations

import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from coalition.audit import checkpoints, guards, merkle, tree
from coalition.audit.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditLeaf,
    AuditNode,
    AuditQueue,
    TreeHead,
    leaf_data_of,
)
from coalition.audit.services import record
from coalition.core import request_context


def _write(n: int, start: int = 0) -> list[AuditEvent]:
    return [
        record(action="test.event", target_type="thing", target_id=i, data={"i": i}) for i in range(start, start + n)
    ]


def _expected_leaves() -> list[bytes]:
    """The leaves of the events written so far, numbered from 1 in the order they were written (one
    writer at a time), computed without the stored tree."""
    events = AuditEvent.objects.order_by("id")
    return [merkle.leaf_hash(leaf_data_of({**e.__dict__, "seq": n})) for n, e in enumerate(events, 1)]


def _id(number: int) -> int:
    """The id of event #number (its leaf's index is number - 1)."""
    return AuditLeaf.objects.get(index=number - 1).event_id


def _verify(*kept: Path) -> str:
    out = StringIO()
    call_command("audit_verify", *[f"--checkpoint={path}" for path in kept], stdout=out)
    return out.getvalue()


def _raw(*statements: tuple[str, list[object]]) -> None:
    """Tamper as someone with direct database access would: around the append-only triggers."""
    guards.remove(connection)
    try:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
    finally:
        guards.install(connection)


@pytest.mark.django_db
def test_the_sequencer_integrates_every_event_once_and_signs_the_root():
    _write(13)
    checkpoint = tree.integrate()
    assert checkpoint is not None and checkpoint.size == 13
    leaves = _expected_leaves()
    assert checkpoint.root_hash == merkle.root(leaves).hex() == TreeHead.objects.get().root_hash
    assert list(AuditLeaf.objects.values_list("hash", flat=True)) == [leaf.hex() for leaf in leaves]
    events = list(AuditEvent.objects.order_by("id").values_list("id", flat=True))
    assert list(AuditLeaf.objects.order_by("index").values_list("event_id", flat=True)) == events
    # The rows are never rewritten to carry their number, and the queue is empty.
    assert not AuditEvent.objects.filter(seq__isnull=False).exists() and not AuditQueue.objects.exists()
    signed = checkpoints.open_checkpoint(
        checkpoint.note, checkpoints.parse_verifier_key(checkpoint.verifier_key), origin=tree.origin()
    )
    assert (signed.size, signed.root_hash.hex()) == (13, checkpoint.root_hash)
    assert tree.integrate() is None  # nothing new: no checkpoint


@pytest.mark.django_db
def test_small_batches_build_the_same_tree_as_one():
    _write(21)
    while tree.integrate(limit=4) is not None:
        pass
    assert AuditCheckpoint.objects.count() == 6  # 4, 8, 12, 16, 20, 21
    leaves = _expected_leaves()
    assert TreeHead.objects.get().root_hash == merkle.root(leaves).hex()
    for checkpoint in AuditCheckpoint.objects.all():
        assert checkpoint.root_hash == merkle.root(leaves, checkpoint.size).hex()
    # Every complete subtree is stored once: 21 leaves make 10 + 5 + 2 + 1 nodes above them.
    assert AuditNode.objects.count() == 18


@pytest.mark.django_db
def test_integrating_all_takes_what_waits_and_leaves_what_comes_meanwhile_to_the_next_run(monkeypatch):
    """Under a steady stream of reads, a run does not chase the events written while it works
    (it would integrate them a few at a time, paying a transaction and a checkpoint for each few)."""
    _write(5)
    integrate, runs = tree.integrate, []

    def integrate_then_another_read(**kwargs):
        assert len(runs) < 10, "integrate_all chases new events"
        runs.append(integrate(**kwargs))
        record(action="test.meanwhile")
        return runs[-1]

    monkeypatch.setattr(tree, "integrate", integrate_then_another_read)
    assert tree.integrate_all(limit=10) == 5 and len(runs) == 1
    assert tree.status().waiting == 1
    # A backlog larger than a batch is taken in full batches, then the short one that ends it.
    _write(7)
    runs.clear()
    # 8 waiting: 3 (and one more meanwhile), 3 (one more), 3 (one more), then the short batch of 2.
    assert tree.integrate_all(limit=3) == 11 and len(runs) == 4
    assert tree.status().waiting == 1


@pytest.mark.django_db
def test_proofs_from_the_stored_tree_are_rfc_9162s_and_verify():
    _write(19)
    tree.integrate(limit=7)
    tree.integrate_all()
    leaves = _expected_leaves()
    for size in (1, 2, 7, 8, 12, 19):
        root = tree.root_at(size)
        assert root == merkle.root(leaves, size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == merkle.inclusion_proof(leaves, index, size)
            assert merkle.verify_inclusion(leaves[index], index, size, proof, root)
    for first, second in [(0, 19), (1, 19), (7, 19), (8, 19), (7, 14), (19, 19)]:
        proof = tree.consistency_proof(first, second)
        assert proof == merkle.consistency_proof(leaves, first, second)
        assert merkle.verify_consistency(first, second, tree.root_at(first), tree.root_at(second), proof)
    with pytest.raises(tree.TreeError):
        tree.inclusion_proof(19, 19)
    with pytest.raises(tree.TreeError):
        tree.consistency_proof(3, 20)


@pytest.mark.django_db
def test_the_proof_command_prints_what_a_verifier_needs():
    _write(6)
    tree.integrate_all()
    out = StringIO()
    call_command("audit_proof", "--event=4", stdout=out)
    assert '"leaf_index": 3' in out.getvalue() and '"tree_size": 6' in out.getvalue()
    with pytest.raises(CommandError, match="not in the tree"):
        call_command("audit_proof", "--event=99")


@pytest.mark.django_db
def test_the_tree_tables_are_append_only():
    _write(2)
    tree.integrate()
    for sql in (
        "UPDATE audit_auditleaf SET hash = 'x'",
        "DELETE FROM audit_auditnode",
        "DELETE FROM audit_auditcheckpoint",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


@pytest.mark.django_db
def test_verify_passes_on_a_clean_tree_and_a_kept_checkpoint(tmp_path):
    _write(9)
    kept = tmp_path / "kept.txt"
    kept.write_text(tree.integrate().note)
    _write(4, start=9)
    tree.integrate()
    assert "Tree of 13 events verified" in _verify(kept)


# --- Tampering: each caught, naming the culprit ----------------------------------------------------


@pytest.fixture
def integrated(tmp_path) -> Path:
    _write(10)
    kept = tmp_path / "kept.txt"
    kept.write_text(tree.integrate().note)
    return kept


@pytest.mark.django_db
def test_an_edited_event_is_caught(integrated):
    _raw(("UPDATE audit_auditevent SET action = 'quietly.changed' WHERE id = %s", [_id(4)]))
    with pytest.raises(CommandError, match=r"leaf 3 \(event #4\): the event does not match its leaf hash"):
        _verify()


@pytest.mark.django_db
def test_an_edited_address_is_caught(integrated):
    _raw(("UPDATE audit_auditevent SET ip = '198.51.100.0/24' WHERE id = %s", [_id(5)]))
    with pytest.raises(CommandError, match=r"event #5\): its address or browser does not match their digest"):
        _verify()


@pytest.mark.django_db
def test_an_event_numbered_outside_the_sequencer_is_caught(integrated):
    late = record(action="test.late")
    _raw(("UPDATE audit_auditevent SET seq = 11 WHERE id = %s", [late.pk]))
    with pytest.raises(CommandError, match=r"event #11: it is numbered but not in the tree"):
        _verify()


@pytest.mark.django_db
def test_an_event_taken_off_the_queue_or_out_of_the_sequencers_sight_is_caught(integrated):
    late = record(action="test.late")
    assert "verified" in _verify()  # waiting is fine
    if connection.vendor == "postgresql":
        # No queue there: an event waits by its transaction's id, which the guard keeps as written.
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET xid = '1' WHERE id = %s", [late.pk])
        _raw(("UPDATE audit_auditevent SET xid = '1' WHERE id = %s", [late.pk]))
    else:
        _raw(("DELETE FROM audit_auditqueue WHERE event_id = %s", [late.pk]))
    with pytest.raises(CommandError, match=rf"event id {late.pk}: 1 event\(s\) are neither in the tree nor waiting"):
        _verify()


@pytest.mark.django_db
def test_a_deleted_event_is_caught(integrated):
    seventh = _id(7)
    _raw(
        ("DELETE FROM audit_auditleaf WHERE `index` = 6".replace("`", '"'), []),
        ("DELETE FROM audit_auditevent WHERE id = %s", [seventh]),
    )
    with pytest.raises(CommandError, match=r"leaf 6 \(event #7\): the tree lacks this leaf"):
        _verify()


@pytest.mark.django_db
def test_an_event_deleted_from_under_its_leaf_is_caught(integrated):
    """The leaf's event is not a foreign key in the database (migration 0007): an event deleted
    around the triggers, its leaf left, is named by its leaf."""
    _raw(("DELETE FROM audit_auditevent WHERE id = %s", [_id(7)]))
    said = "its event is missing" if connection.vendor == "postgresql" else "the tree lacks this leaf"
    with pytest.raises(CommandError, match=rf"leaf 6 \(event #7\): {said}"):
        _verify()


@pytest.mark.django_db
def test_a_truncated_tail_is_caught(integrated):
    ninth = _id(9)
    _raw(
        ('DELETE FROM audit_auditleaf WHERE "index" >= 8', []), ("DELETE FROM audit_auditevent WHERE id >= %s", [ninth])
    )
    with pytest.raises(CommandError, match=r"checkpoint at size 10: the tree holds only 8 leaves \(events #9 on"):
        _verify()


@pytest.mark.django_db
def test_a_reordered_pair_of_leaves_is_caught(integrated):
    first, second = AuditLeaf.objects.get(index=2), AuditLeaf.objects.get(index=3)
    _raw(
        ('UPDATE audit_auditleaf SET event_id = %s WHERE "index" = 2', [-1]),
        ('UPDATE audit_auditleaf SET event_id = %s WHERE "index" = 3', [first.event_id]),
        ('UPDATE audit_auditleaf SET event_id = %s WHERE "index" = 2', [second.event_id]),
    )
    with pytest.raises(CommandError, match=r"leaf 2 .*the event does not match its leaf hash"):
        _verify()


@pytest.mark.django_db
def test_a_forged_checkpoint_is_caught(integrated):
    checkpoint = AuditCheckpoint.objects.get()
    forged = checkpoint.note.replace("\n10\n", "\n11\n")
    _raw(("UPDATE audit_auditcheckpoint SET note = %s", [forged]))
    with pytest.raises(CommandError, match=r"checkpoint at size 10: the signature of .* does not verify"):
        _verify()


@pytest.mark.django_db
def test_a_log_rewritten_and_rechained_without_the_key_is_caught_against_a_kept_checkpoint(integrated, settings):
    """Someone with the database but not the key rewrites event 5, rebuilds the tree and signs
    new checkpoints with a key of their own: every check inside the database then passes for
    them, except the one against a checkpoint kept outside it."""
    _raw(
        ("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"i": 999}', _id(5)]),
        ("DELETE FROM audit_auditcheckpoint", []),
        ("DELETE FROM audit_auditnode", []),
        ("DELETE FROM audit_auditleaf", []),
        ("UPDATE audit_treehead SET size = 0, root_hash = %s", [merkle.EMPTY_ROOT.hex()]),
        ("INSERT INTO audit_auditqueue (event_id) SELECT id FROM audit_auditevent", []),
    )
    ours = settings.AUDIT_SIGNING_KEY
    settings.AUDIT_SIGNING_KEY = checkpoints.Signer.generate(tree.origin()).private_key_string()
    tree.integrate_all()  # their tree, their checkpoints
    assert "verified" in _verify()  # consistent inside the database, with their key
    settings.AUDIT_SIGNING_KEY = ours
    with pytest.raises(CommandError, match=r"kept checkpoint 1 .*the log was rewritten"):
        _verify(integrated)


# --- Concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_writers_and_two_racing_sequencers_integrate_each_event_exactly_once():
    writers, per_writer = 4, 15
    errors: list[BaseException] = []
    done = threading.Event()

    def write(n: int) -> None:
        try:
            for i in range(per_writer):
                record(action="test.concurrent", target_type="thing", target_id=f"{n}-{i}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    def sequence() -> None:
        try:
            while not done.is_set():
                tree.integrate(limit=7)
            tree.integrate_all(limit=7)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    sequencers = [threading.Thread(target=sequence) for _ in range(2)]
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in sequencers + threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    for thread in sequencers:
        thread.join()
    assert errors == []
    total = writers * per_writer
    assert TreeHead.objects.get().size == total == AuditEvent.objects.count()
    leaves = list(AuditLeaf.objects.order_by("index").select_related("event"))
    assert [leaf.index for leaf in leaves] == list(range(total))
    assert sorted(leaf.event_id for leaf in leaves) == sorted(AuditEvent.objects.values_list("id", flat=True))
    recomputed = [merkle.leaf_hash(leaf_data_of({**leaf.event.__dict__, "seq": leaf.index + 1})) for leaf in leaves]
    assert TreeHead.objects.get().root_hash == merkle.root(recomputed).hex()
    assert not AuditQueue.objects.exists()
    assert list(tree.verify_tree()) == []


def _in_open_transaction(
    actions: list[str], release: threading.Event, written: threading.Event, *, commit: bool
) -> None:
    """Record events in a transaction of another connection, kept open until `release`."""
    try:
        with transaction.atomic():
            for action in actions:
                record(action=action)
            written.set()
            release.wait(10)
            if not commit:
                transaction.set_rollback(True)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_long_transaction_delays_only_its_own_events_and_each_is_integrated_once():
    """A writer whose transaction stays open (its events invisible) while others commit theirs: the
    others are integrated at once, in small batches; its own once it commits; a rolled-back one
    leaves nothing behind and holds nothing up."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: no transaction stays open while others commit")
    release, written = threading.Event(), threading.Event()
    long = threading.Thread(
        target=_in_open_transaction,
        args=([f"test.long.{i}" for i in range(5)], release, written),
        kwargs={"commit": True},
    )
    undone_release, undone_written = threading.Event(), threading.Event()
    undone = threading.Thread(
        target=_in_open_transaction, args=(["test.undone"], undone_release, undone_written), kwargs={"commit": False}
    )
    long.start()
    undone.start()
    try:
        assert written.wait(10) and undone_written.wait(10)
        _write(7)  # committed after the long transaction began (on PostgreSQL: larger transaction ids)
        while tree.integrate(limit=3) is not None:
            pass
        assert TreeHead.objects.get().size == 7
        assert tree.status().waiting == 0  # the open transactions' events are not visible yet
        assert list(tree.verify_tree()) == []
        undone_release.set()
        undone.join()
        release.set()
        long.join()
        assert tree.status().waiting == 5
        while tree.integrate(limit=2) is not None:
            pass
    finally:
        release.set()
        undone_release.set()
        long.join()
        undone.join()
    actions = list(AuditLeaf.objects.order_by("index").values_list("event__action", flat=True))
    assert actions[:7] == ["test.event"] * 7
    assert sorted(actions[7:]) == [f"test.long.{i}" for i in range(5)]
    assert TreeHead.objects.get().size == 12 == AuditEvent.objects.count()
    assert not AuditEvent.objects.filter(action="test.undone").exists()
    assert tree.status().waiting == 0
    assert list(tree.verify_tree()) == []
    _write(2)
    assert tree.integrate_all() == 2 and list(tree.verify_tree()) == []


@pytest.mark.django_db
def test_events_left_on_the_queue_before_the_transaction_ids_are_integrated_first():
    """Migration 0006 (PostgreSQL) leaves the events already waiting on the queue, without a
    transaction id: the sequencer takes them first, then the new ones, each once."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps the queue for every event")
    old, new = _write(2), _write(2, start=2)
    _raw(
        ("UPDATE audit_auditevent SET xid = NULL WHERE id IN (%s, %s)", [old[0].pk, old[1].pk]),
        ("INSERT INTO audit_auditqueue (event_id) VALUES (%s), (%s)", [old[0].pk, old[1].pk]),
    )
    assert tree.status().waiting == 4
    assert tree.integrate_all() == 4
    assert [_id(n) for n in range(1, 5)] == [event.pk for event in old + new]
    assert not AuditQueue.objects.exists() and list(tree.verify_tree()) == []


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_sequencer_every_few_seconds():
    from coalition.notifications.management.commands import worker as worker_command

    _write(3)
    worker = worker_command.Worker(
        queue_names=["default"],
        interval=0,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="sequencer-test",
        excluded_queue_names=[],
        sequence_every=0.05,
    )
    thread = threading.Thread(target=worker._sequence_forever)
    thread.start()
    try:
        for _ in range(100):
            if TreeHead.objects.get().size == 3:
                break
            threading.Event().wait(0.05)
    finally:
        worker._stopped.set()
        thread.join(timeout=5)
    assert TreeHead.objects.get().size == 3


@pytest.mark.django_db
def test_members_see_and_download_the_latest_checkpoint_outsiders_do_not(client_for, acme_reader, outsider):
    _write(4)
    checkpoint = tree.integrate()
    page = client_for(acme_reader).get("/audit/checkpoint/")
    assert page.status_code == 200 and checkpoint.verifier_key in page.content.decode()
    download = client_for(acme_reader).get("/audit/checkpoint.txt")
    assert download.status_code == 200 and download.content.decode() == checkpoint.note
    assert client_for(outsider).get("/audit/checkpoint/").status_code == 404
    assert client_for(outsider).get("/audit/checkpoint.txt").status_code == 404
    assert client_for(None).get("/audit/checkpoint.txt").status_code == 302  # sign in first


# audit_verify forks from a single-threaded command; pytest's own threads make Python warn here.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.django_db(transaction=True)
def test_verification_in_several_processes_finds_what_one_finds(monkeypatch):
    monkeypatch.setattr(tree, "VERIFY_CHUNK", 8)
    _write(40)
    tree.integrate(limit=13)
    tree.integrate_all()
    assert list(tree.verify_tree(workers=2)) == []
    _raw(("UPDATE audit_auditevent SET action = 'quietly.changed' WHERE id = %s", [_id(23)]))
    found = [str(problem) for problem in tree.verify_tree(workers=2)]
    assert found == [str(problem) for problem in tree.verify_tree(workers=1)]
    assert found and "event #23" in found[0]


@pytest.mark.django_db(transaction=True)
def test_verification_reading_ahead_in_a_thread_finds_what_one_finds(monkeypatch, tmp_path):
    """On PostgreSQL, outside a transaction, one process reads the next chunk in a thread while it
    checks the current one: the same verdicts, checkpoints inside chunks included."""
    monkeypatch.setattr(tree, "VERIFY_CHUNK", 4)
    _write(21)
    while tree.integrate(limit=5) is not None:
        pass
    read_ahead = []
    original = tree._read_ahead
    monkeypatch.setattr(tree, "_read_ahead", lambda jobs: read_ahead.append(len(jobs)) or original(jobs))
    kept = tmp_path / "kept.txt"
    kept.write_text(AuditCheckpoint.objects.get(size=10).note)
    assert "Tree of 21 events verified" in _verify(kept)
    _raw(("UPDATE audit_auditevent SET action = 'quietly.changed' WHERE id = %s", [_id(14)]))
    found = [str(problem) for problem in tree.verify_tree()]
    assert found and "event #14" in found[0]
    assert read_ahead == ([6, 6] if connection.vendor == "postgresql" else [])


@pytest.mark.django_db
def test_chunks_hand_their_edges_on_and_every_checkpoint_inside_them_is_checked(monkeypatch, tmp_path):
    """Chunks of four leaves: checkpoints fall inside chunks and on their edges, subtrees above
    a chunk are merged and compared by this process, and a missing leaf at a chunk's start is named."""
    monkeypatch.setattr(tree, "VERIFY_CHUNK", 4)
    _write(21)
    while tree.integrate(limit=5) is not None:  # checkpoints at 5, 10, 15, 20 and 21
        pass
    kept = tmp_path / "kept.txt"
    kept.write_text(AuditCheckpoint.objects.get(size=10).note)
    assert "Tree of 21 events verified" in _verify(kept)
    _raw(('UPDATE audit_auditnode SET hash = %s WHERE level = 3 AND "index" = 1', ["0" * 64]))
    with pytest.raises(CommandError, match=r"node 3/1: the stored subtree hash is not its leaves'"):
        _verify()


@pytest.mark.django_db
def test_a_missing_leaf_at_a_chunks_start_is_named(monkeypatch):
    monkeypatch.setattr(tree, "VERIFY_CHUNK", 4)
    _write(12)
    tree.integrate_all()
    _raw(('DELETE FROM audit_auditleaf WHERE "index" = 8', []))
    with pytest.raises(CommandError, match=r"leaf 8 \(event #9\): the tree lacks this leaf"):
        _verify()


@pytest.mark.django_db
def test_events_with_awkward_values_verify_on_every_database():
    """Verification reads PostgreSQL's rows as text (time, JSON) and must rebuild exactly the leaf the
    sequencer hashed from Django's values."""
    token = request_context.activate(
        request_context.RequestContext(request_id="r\u2028", ip="2001:db8::1", user_agent='Ünï "quoted" \\ /1')
    )
    try:
        for data in (
            {"z": 1, "a": [1.5, -0.0, 1e-7, 12345678901234567890], "é": {"nested": None, "b": True}},
            {"text": "line\nbreak \u0001 \ud7ff \U0001f600 </script>", "empty": {}},
            {},
        ):
            record(action="test.awkward", actor=None, target_type="thing", target_id="x\ty", data=data)
    finally:
        request_context.deactivate(token)
    tree.integrate_all()
    assert list(tree.verify_tree()) == []
