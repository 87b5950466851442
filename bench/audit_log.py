"""The audit log under load (issue 12; docs/performance.md, "The audit log without a lock").

    DATABASE_URL=postgres://root@127.0.0.1:5432/coalition_auditbench .venv/bin/python bench/audit_log.py all

One run, four parts (each can be run alone: `reads`, `page`, `verify`, `proof`):

- reads: recorded protected reads per second at 1, 4 and 16 concurrent clients. Each client is
  a process of its own with its own connection (as gunicorn's workers are), recording reads of a
  non-public document through the service the document page calls (services.record_read), while
  another process integrates every second as the worker's sequencer does. Reported: reads per
  second, the latency of one recording, and the integration delay of those events (p50, p99,
  max: from the event's commit time to its leaf's). Afterwards: every event integrated exactly
  once, numbers without a gap.
- page: the document page through gunicorn (2 workers, production settings) for 20 s per run with
  8 client threads, alternately with read auditing and with record_read switched off
  (bench/wsgi_without_read_audit.py), on the same document; requests per second and p50 / p95.
- verify: `audit_verify`'s walk of the tree (every leaf recomputed from its event, every stored
  subtree compared, the checkpoints checked) over --verify-events generated events; events/s.
- proof: an inclusion proof at --proof-size events (10,000,000), in a database of its own
  (<name>_proof) whose leaves and subtrees are built in SQL; p50 / p95 of building a proof from
  the stored tree, and every proof checked against the root.

It creates what it needs in the database it is given (migrations, an organisation, a member, a
document); the events it writes stay (the log is append-only): use a benchmark database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _setup import ROOT, database_label, setup_django

PORT = 58100
BENCH_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # Go's published test key


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else 0.0


def world() -> tuple[Any, Any]:
    """A member and a non-public document of their organisation (made once)."""
    from coalition.accounts.models import User
    from coalition.library import services
    from coalition.library.models import TLP, Document
    from coalition.organisations.models import Membership, Organisation

    organisation, _ = Organisation.objects.get_or_create(
        slug="bench-audit", defaults={"name": "Bench audit", "country": "GB"}
    )
    user = User.objects.filter(email="editor@bench-audit.example").first()
    if user is None:
        user = User.objects.create_user(email="editor@bench-audit.example", password=None, name="Ed")
        Membership.objects.create(user=user, organisation=organisation, role="editor")
    document = Document.objects.filter(owner=organisation, title="Bench audit playbook").first()
    if document is None:
        document = services.create_document(
            acting_user=user,
            owner=organisation,
            title="Bench audit playbook",
            body="Steps to take.\n\n" * 40,
            tlp=TLP.AMBER,
        )
    return user, document


# --- reads -----------------------------------------------------------------------------------------


def _backend_cpu(connection: Any) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (the server runs on this
    machine in the benchmark; 0 where its process cannot be read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _client(events: int, user_id: int, document_id: int, start: Any, out: Any) -> None:
    setup_django()
    from django.db import connection

    from coalition.access.policy import memberships_of
    from coalition.accounts.models import User
    from coalition.library import services
    from coalition.library.models import Document

    user = User.objects.get(pk=user_id)
    document = Document.objects.get(pk=document_id)
    memberships_of(user)  # read once, as the request has before its view runs
    latencies = []
    start.wait()
    cpu, backend = time.process_time(), _backend_cpu(connection)
    for _ in range(events):
        began = time.perf_counter()
        services.record_read(user=user, document=document, what="viewed")
        latencies.append((time.perf_counter() - began) * 1000)
    out.put((latencies, time.process_time() - cpu, _backend_cpu(connection) - backend))


def _bare_client(events: int, user_id: int, document_id: int, start: Any, out: Any) -> None:
    """The lower bound: the same durable INSERT of a small row and its COMMIT, in plain SQL."""
    setup_django()
    from django.db import connection

    latencies = []
    start.wait()
    cpu, backend = time.process_time(), _backend_cpu(connection)
    with connection.cursor() as cursor:
        for _ in range(events):
            began = time.perf_counter()
            cursor.execute(
                "INSERT INTO bench_bare_insert (actor_id, target_id, at) VALUES (%s, %s, now())", [user_id, document_id]
            )
            latencies.append((time.perf_counter() - began) * 1000)
    out.put((latencies, time.process_time() - cpu, _backend_cpu(connection) - backend))


def _sequencer(stop: Any, out: Any) -> None:
    """The worker's sequencer thread, as a process of its own: integrate, sleep a second."""
    setup_django()
    from django.db import connection

    from coalition.audit import tree

    tree.integrate_all()  # warm, as the worker's long-running sequencer is
    cpu, backend = time.process_time(), _backend_cpu(connection)
    while not stop.is_set():
        if not os.environ.get("BENCH_NO_SEQUENCER"):  # diagnosis: the recordings alone
            tree.integrate_all()
        stop.wait(1.0)
    tree.integrate_all()
    out.put((time.process_time() - cpu, _backend_cpu(connection) - backend))


def _run_clients(
    target: Any, clients: int, events: int, user: Any, document: Any
) -> tuple[list[float], float, float, float]:
    """Latencies, seconds, and the CPU seconds of the client processes and of their backends."""
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(clients + 1)
    out = context.Queue()
    pool = [context.Process(target=target, args=(events, user.pk, document.pk, start, out)) for _ in range(clients)]
    for process in pool:
        process.start()
    start.wait()
    began = time.perf_counter()
    latencies: list[float] = []
    client_cpu = backend_cpu = 0.0
    for _ in pool:
        times, client, backend = out.get()
        latencies.extend(times)
        client_cpu += client
        backend_cpu += backend
    seconds = time.perf_counter() - began
    for process in pool:
        process.join()
    return latencies, seconds, client_cpu, backend_cpu


def reads(clients_list: list[int], per_client_seconds: float) -> dict[str, Any]:
    from django.db import connection

    from coalition.audit import tree
    from coalition.audit.models import AuditEvent, AuditLeaf, AuditQueue

    user, document = world()
    tree.integrate_all()
    with connection.cursor() as cursor:  # the lower bound's own table, outside the application's
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_insert (id bigserial PRIMARY KEY, actor_id bigint, "
            "target_id bigint, at timestamptz)"
        )
    connection.close()
    context = multiprocessing.get_context("spawn")
    rows = []
    for clients in clients_list:
        # About per_client_seconds of work: calibrate the count on a guess of 1.5 ms a recording.
        events = max(200, int(per_client_seconds * 1000 / 1.5 / max(1, clients / 2)))
        first_id = (AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
        bare, bare_seconds, bare_client_cpu, bare_backend_cpu = _run_clients(
            _bare_client, clients, events, user, document
        )
        connection.close()
        stop, sequencer_out = context.Event(), context.Queue()
        sequencer = context.Process(target=_sequencer, args=(stop, sequencer_out))
        sequencer.start()
        latencies, seconds, client_cpu, backend_cpu = _run_clients(_client, clients, events, user, document)
        stop.set()
        sequencer_cpu, sequencer_backend_cpu = sequencer_out.get()
        sequencer.join()
        leaves = AuditLeaf.objects.filter(event_id__gte=first_id, event__action="document.viewed")
        delays = [
            (integrated - created).total_seconds() * 1000
            for integrated, created in leaves.values_list("integrated_at", "event__created_at")
        ]
        rows.append(
            {
                "clients": clients,
                "events": len(latencies),
                "events_per_second": round(len(latencies) / seconds),
                "bare_inserts_per_second": round(len(bare) / bare_seconds),
                "bare_median_ms": round(statistics.median(bare), 2),
                "median_ms": round(statistics.median(latencies), 2),
                "p95_ms": round(percentile(latencies, 0.95), 2),
                "integrated": len(delays),
                "delay_p50_ms": round(percentile(delays, 0.5)),
                "delay_p99_ms": round(percentile(delays, 0.99)),
                "delay_max_ms": round(max(delays)),
                # CPU per recording, in microseconds: where two cores go.
                "cpu_us_client": round(client_cpu / len(latencies) * 1e6),
                "cpu_us_database": round(backend_cpu / len(latencies) * 1e6),
                "cpu_us_sequencer": round(sequencer_cpu / len(latencies) * 1e6),
                "cpu_us_sequencer_database": round(sequencer_backend_cpu / len(latencies) * 1e6),
                "bare_cpu_us_client": round(bare_client_cpu / len(bare) * 1e6),
                "bare_cpu_us_database": round(bare_backend_cpu / len(bare) * 1e6),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    indexes = list(AuditLeaf.objects.order_by("index").values_list("index", flat=True))
    waiting = AuditQueue.objects.count()
    events = AuditEvent.objects.count()
    integrated = AuditLeaf.objects.values("event_id").distinct().count()
    return {
        "rows": rows,
        "gap_free": indexes == list(range(len(indexes))),
        "every_event_once": waiting == 0 and integrated == len(indexes) == events,
    }


# --- page ------------------------------------------------------------------------------------------


def _environment() -> dict[str, str]:
    from django.conf import settings

    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER'] or 'root'}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,  # the session made here must hash the same
        "MFA_ENCRYPTION_KEYS": "S0VZS0VZS0VZS0VZS0VZS0VZS0VZS0VZS0VZS0VZS0U=",
        "AUDIT_SIGNING_KEY": BENCH_KEY,
        "SITE_URL": f"https://127.0.0.1:{PORT}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_PROXY_SSL_HEADER": "1",
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "60",
        "CACHE_URL": "redis://127.0.0.1:6379/7",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}",
    }


def _session_cookie(user: Any) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key or ""


def _hammer(path: str, cookie: str, seconds: float, threads: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def work() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        mine = []
        headers = {"Cookie": f"__Host-sessionid={cookie}", "X-Forwarded-Proto": "https", "Host": "127.0.0.1"}
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                with lock:
                    errors[0] += 1
            mine.append((time.perf_counter() - began) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    began = time.perf_counter()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "requests": len(latencies),
        "errors": errors[0],
    }


def page(seconds: float, threads: int, rounds: int) -> dict[str, Any]:
    from coalition.audit.models import AuditEvent

    user, document = world()
    cookie = _session_cookie(user)
    path = f"/library/{document.pk}/"
    # Production settings serve static files from the manifest collectstatic writes.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=_environment(), check=True
    )
    results: dict[str, list[dict[str, Any]]] = {"with read auditing": [], "without": []}
    for _ in range(rounds):
        for label, app in (("with read auditing", "coalition.wsgi"), ("without", "wsgi_without_read_audit")):
            server = subprocess.Popen(  # noqa: S603 - our own gunicorn and module names
                [str(ROOT / ".venv/bin/gunicorn"), app, "--bind", f"127.0.0.1:{PORT}", "--workers", "2"],
                cwd=ROOT, env=_environment(),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            try:
                for _ in range(100):
                    try:
                        probe = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                        probe.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
                        if probe.getresponse().status == 200:
                            break
                    except OSError:
                        time.sleep(0.2)
                # With auditing, the worker's sequencer integrates the reads meanwhile, as in
                # production, where it is a long-running process: started before the warm-up.
                spawn = multiprocessing.get_context("spawn")
                stop, sequencer_out = spawn.Event(), spawn.Queue()
                sequencer = spawn.Process(target=_sequencer, args=(stop, sequencer_out))
                if label != "without":
                    sequencer.start()
                _hammer(path, cookie, 4, threads)  # warm both workers (and the sequencer)
                before = AuditEvent.objects.count()
                result = _hammer(path, cookie, seconds, threads)
                if label != "without":
                    stop.set()
                    sequencer_out.get()
                    sequencer.join()
                result["events_written"] = AuditEvent.objects.count() - before
                results[label].append(result)
                print(label, json.dumps(result), flush=True)
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=20)
    best = {label: max(runs, key=lambda r: r["requests_per_second"]) for label, runs in results.items()}
    return {
        "runs": results,
        "best": best,
        "ratio": round(best["with read auditing"]["requests_per_second"] / best["without"]["requests_per_second"], 3),
    }


# --- verify ----------------------------------------------------------------------------------------


def verify(count: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from coalition.audit import tree
    from coalition.audit.models import AuditEvent, TreeHead
    from coalition.audit.services import record
    from coalition.core import request_context

    tree.integrate_all()
    have = TreeHead.objects.get(id=1).size
    if have < count:
        token = request_context.activate(
            request_context.RequestContext(request_id="bench", ip="198.51.100.7", user_agent="Bench/1.0")
        )
        try:
            made = 0
            while made < count - have:
                with transaction.atomic():
                    for i in range(min(5000, count - have - made)):
                        record(
                            action="document.viewed",
                            target_type="library.document",
                            target_id=str(i % 5000),
                            target_org_id=1,
                            data={"n": made + i},
                        )
                made += 5000
                tree.integrate_all()
        finally:
            request_context.deactivate(token)
    size = TreeHead.objects.get(id=1).size
    runs = {}
    for workers in (1, 2):
        began = time.perf_counter()
        problems = list(tree.verify_tree(workers=workers))
        seconds = time.perf_counter() - began
        runs[workers] = {"seconds": round(seconds, 2), "events_per_second": round(size / seconds)}
    return {
        "events": size,
        "workers": runs,
        "problems": len(problems),
        "at": timezone.now().isoformat(timespec="seconds"),
        "format_2_share": round(AuditEvent.objects.filter(leaf_format=2).count() / max(1, size), 3),
    }


# --- proof -----------------------------------------------------------------------------------------

_BUILD_PROOF_TREE = """
TRUNCATE audit_auditnode, audit_auditleaf, audit_auditcheckpoint, audit_auditqueue, audit_auditevent;
INSERT INTO audit_auditevent (seq, created_at, actor_id, actor_label, actor_org_ids, action, target_type,
    target_id, target_org_id, request_id, ip, user_agent, personal_salt, personal_digest, leaf_format,
    prev_hash, hash, data)
SELECT n, now(), mod(n, 5000), 'person@bench.example', '[1]', 'document.viewed', 'library.document',
    mod(n, 20000)::text, 1, '', '', '', '', '', 2, '', '', '{}'
FROM generate_series(1, %(size)s) AS n;
INSERT INTO audit_auditleaf (index, event_id, hash, integrated_at)
SELECT e.seq - 1, e.id, encode(sha256('\\x00'::bytea || convert_to(e.seq::text, 'UTF8')), 'hex'), now()
FROM audit_auditevent e;
"""


def proof(size: int, samples: int) -> dict[str, Any]:
    """In a database of its own: events, leaves (a stand-in leaf hash per event: the proof reads
    only hashes) and every complete subtree, level by level in SQL; then proofs from the tree."""
    from django.conf import settings
    from django.db import connection, connections

    from coalition.audit import guards, merkle, tree
    from coalition.audit.models import TreeHead

    name = settings.DATABASES["default"]["NAME"] + "_proof"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    if not exists:
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connections["default"].close()
    settings.DATABASES["default"]["NAME"] = name
    connections["default"].settings_dict["NAME"] = name
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    built = 0.0
    if TreeHead.objects.get(id=1).size != size:
        began = time.perf_counter()
        guards.remove(connection)
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit = off")
            for statement in _BUILD_PROOF_TREE.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, {"size": size})
            level, width = 1, size
            while width > 1:
                # Complete subtrees of this level from the complete ones below.
                below = "audit_auditleaf" if level == 1 else "audit_auditnode"
                where = "" if level == 1 else f"WHERE a.level = {level - 1} AND b.level = {level - 1}"
                cursor.execute(
                    f"INSERT INTO audit_auditnode (level, index, hash) "  # noqa: S608 - constants
                    f"SELECT {level}, a.index / 2, encode(sha256('\\x01'::bytea || decode(a.hash, 'hex') "
                    f"|| decode(b.hash, 'hex')), 'hex') FROM {below} a JOIN {below} b ON b.index = a.index + 1 "
                    f"{'AND b.level = a.level' if level > 1 else ''} "
                    f"{where} {'AND' if where else 'WHERE'} mod(a.index, 2) = 0"
                )
                level, width = level + 1, width // 2
            cursor.execute("ANALYZE")
        root = tree._fold([value for _piece, value in tree._stack_of(size)])
        TreeHead.objects.filter(id=1).update(size=size, root_hash=root.hex())
        guards.install(connection)
        built = time.perf_counter() - began
    root = bytes.fromhex(TreeHead.objects.get(id=1).root_hash)
    rng = random.Random(9162)
    times, ok = [], 0
    from coalition.audit.models import AuditLeaf

    for _ in range(samples):
        index = rng.randrange(size)
        began = time.perf_counter()
        hashes = tree.inclusion_proof(index, size)
        times.append((time.perf_counter() - began) * 1000)
        leaf = bytes.fromhex(AuditLeaf.objects.get(index=index).hash)
        ok += merkle.verify_inclusion(leaf, index, size, hashes, root)
    return {
        "size": size,
        "build_seconds": round(built, 1),
        "proof_p50_ms": round(percentile(times, 0.5), 2),
        "proof_p95_ms": round(percentile(times, 0.95), 2),
        "samples": samples,
        "verified": ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("part", choices=["all", "reads", "page", "verify", "proof"])
    parser.add_argument("--clients", default="1,4,16")
    parser.add_argument("--seconds", type=float, default=15.0, help="per client count (reads) and per page run")
    parser.add_argument("--threads", type=int, default=8, help="page: client threads")
    parser.add_argument("--rounds", type=int, default=2, help="page: alternating runs of each")
    parser.add_argument("--verify-events", type=int, default=1_000_000)
    parser.add_argument("--proof-size", type=int, default=10_000_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    label = database_label()
    report: dict[str, Any] = {"database": label}
    if args.part in ("all", "reads"):
        report["reads"] = reads([int(n) for n in args.clients.split(",")], args.seconds)
    if args.part in ("all", "page"):
        report["page"] = page(args.seconds, args.threads, args.rounds)
    if args.part in ("all", "verify"):
        report["verify"] = verify(args.verify_events)
        print(json.dumps(report["verify"]), flush=True)
    if args.part in ("all", "proof"):
        report["proof"] = proof(args.proof_size, 1000)
        print(json.dumps(report["proof"]), flush=True)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
