"""Load and fault runs (issue 14): gunicorn + PostgreSQL + Redis in production settings, 50
simulated people for 5 minutes (bench/locustfile.py), optionally with one fault injected mid-run.

    .venv/bin/python bench/load.py                          # the load alone
    .venv/bin/python bench/load.py --fault database         # PostgreSQL restarted at 90 s
    .venv/bin/python bench/load.py --fault cache            # Redis stopped at 90 s for 30 s
    .venv/bin/python bench/load.py --fault mail             # the SMTP server stopped at 90 s for 30 s
    .venv/bin/python bench/load.py --report var/load-*.json # the tables for docs/performance.md

It starts its own PostgreSQL cluster, Redis and SMTP server on other ports (55432, 56379, 56025)
in a directory of its own (default /tmp/coalition-load), never the machine's; generates a library
there the first time (bench/generate.py --size small and bench/search.py bodies: 20,000 documents
with text) and reuses it afterwards (`--fresh` to start over); runs gunicorn (3 workers) and the
task worker with DEBUG=0; and runs locust from its own environment (var/load-venv, made from
requirements-load.txt).

Afterwards it reports, from the log of every request: p50/p95/p99 and throughput per page beside
the bare Django page (/healthz) of the same run; errors inside the fault window (from the fault's
start until the part answers again, plus 5 s for connections to be remade) and outside it, by
status; and it checks that nothing acknowledged was lost: every comment and revision the portal
answered 302 for is in the database, every email queued during the run was sent (after the
outbox drained), and `audit_verify` passes.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv" / "bin" / "python"
LOAD_VENV = ROOT / "var" / "load-venv"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PORTS = {"postgres": 55432, "redis": 56379, "smtp": 56025, "http": 58000}
WINDOW_GRACE = 5.0


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(command, check=True, text=True, **kwargs)
    except subprocess.CalledProcessError as error:
        if error.stderr:
            print(error.stderr[-3000:], file=sys.stderr)
        raise


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user then."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Services:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pgdata = workdir / "pg"
        self.smtp: subprocess.Popen[str] | None = None
        self.app: subprocess.Popen[str] | None = None
        self.worker: subprocess.Popen[str] | None = None

    # PostgreSQL --------------------------------------------------------------------------------
    def pg_ctl(self, *args: str) -> None:
        options = f"-p {PORTS['postgres']} -k {self.workdir} -c listen_addresses=127.0.0.1 -c max_connections=100"
        run(
            as_postgres(
                [
                    str(PG_BIN / "pg_ctl"),
                    "-D",
                    str(self.pgdata),
                    "-o",
                    options,
                    "-l",
                    str(self.workdir / "pg.log"),
                    "-w",
                    *args,
                ]
            ),
            stdout=subprocess.DEVNULL,
        )

    def start_postgres(self) -> None:
        if not (self.pgdata / "PG_VERSION").exists():
            self.pgdata.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.workdir, "postgres")
                shutil.chown(self.pgdata, "postgres")
            run(
                as_postgres([str(PG_BIN / "initdb"), "-D", str(self.pgdata), "-A", "trust", "-U", "postgres"]),
                stdout=subprocess.DEVNULL,
            )
        self.pg_ctl("start")

    def stop_postgres(self) -> None:
        self.pg_ctl("stop", "-m", "fast")

    # Redis -------------------------------------------------------------------------------------
    def start_redis(self) -> None:
        run(
            [
                "redis-server",
                "--port",
                str(PORTS["redis"]),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(self.workdir / "redis.pid"),
                "--logfile",
                str(self.workdir / "redis.log"),
                "--dir",
                str(self.workdir),
            ]
        )
        for _ in range(50):
            if (
                subprocess.run(
                    ["redis-cli", "-p", str(PORTS["redis"]), "ping"], capture_output=True, text=True
                ).stdout.strip()
                == "PONG"
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("Redis did not start")

    def stop_redis(self) -> None:
        subprocess.run(["redis-cli", "-p", str(PORTS["redis"]), "shutdown", "nosave"], capture_output=True)

    # SMTP --------------------------------------------------------------------------------------
    def start_smtp(self) -> None:
        self.smtp = subprocess.Popen(
            [str(PYTHON), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{PORTS['smtp']}", "-c", "aiosmtpd.handlers.Sink"],
            text=True,
        )
        time.sleep(0.5)

    def stop_smtp(self) -> None:
        if self.smtp is not None:
            self.smtp.terminate()
            self.smtp.wait(10)
            self.smtp = None

    # The attachment volume: a small tmpfs of its own, so that "the disk is full" can be made true --
    def mount_media(self) -> None:
        media = self.workdir / "media"
        media.mkdir(exist_ok=True)
        if os.path.ismount(media):
            return
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256m", "tmpfs", str(media)], capture_output=True)
        if result.returncode != 0:
            log("Could not mount a tmpfs for the attachments (not root?): the disk fault is unavailable")

    def unmount_media(self) -> None:
        media = self.workdir / "media"
        if os.path.ismount(media):
            subprocess.run(["umount", str(media)], check=False)

    def fill_media(self) -> None:
        if not os.path.ismount(self.workdir / "media"):
            raise RuntimeError("the disk fault needs the attachments on their own tmpfs (run as root)")
        with (self.workdir / "media" / "fill").open("wb") as handle:
            try:
                while True:
                    handle.write(b"\0" * (1 << 20))
                    handle.flush()
            except OSError:
                pass  # full

    def free_media(self) -> None:
        (self.workdir / "media" / "fill").unlink(missing_ok=True)

    # The portal --------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        keys_file = self.workdir / "keys.json"
        if not keys_file.exists():
            keys_file.write_text(
                json.dumps(
                    {
                        "secret": secrets.token_urlsafe(50),
                        "mfa": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                    }
                )
            )
        keys = json.loads(keys_file.read_text())
        return {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": keys["secret"],
            "MFA_ENCRYPTION_KEYS": keys["mfa"],
            # A published test key (Go's sumdb/note example): a load run's checkpoints prove nothing.
            "AUDIT_SIGNING_KEY": "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
            "SITE_URL": f"https://127.0.0.1:{PORTS['http']}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_PROXY_SSL_HEADER": "1",
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{PORTS['postgres']}/coalition_load",
            "DATABASE_CONN_MAX_AGE": "60",
            "CACHE_URL": f"redis://127.0.0.1:{PORTS['redis']}/0",
            "EMAIL_URL": f"smtp://127.0.0.1:{PORTS['smtp']}?timeout=5",
            "MEDIA_ROOT": str(self.workdir / "media"),
            "LOG_LEVEL": "WARNING",
            "TASKS_BACKEND": "database",
        }

    def python(self, *args: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """The project's Python with the portal's environment: a script, `-c` code or manage.py."""
        command = [str(PYTHON), *args]
        if not check:
            return subprocess.run(command, cwd=ROOT, env=self.environment(), text=True, check=False, **kwargs)
        return run(command, cwd=ROOT, env=self.environment(), **kwargs)

    def manage(self, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self.python("manage.py", *args, **kwargs)

    def pg_client(self, tool: str, *args: str) -> None:
        """createdb, dropdb ... against this runner's own cluster."""
        address = ["-h", "127.0.0.1", "-p", str(PORTS["postgres"]), "-U", "postgres"]
        run(as_postgres([str(PG_BIN / tool), *address, *args]))

    def start_portal(self) -> None:
        environment = self.environment()
        self.app = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"), "coalition.wsgi", "--bind", f"127.0.0.1:{PORTS['http']}",
                "--workers", "3", "--timeout", "30", "--graceful-timeout", "10",
                "--error-logfile", str(self.workdir / "gunicorn.log"),
            ],
            cwd=ROOT, env=environment, text=True,
            stdout=open(self.workdir / "app.log", "a"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        self.worker = subprocess.Popen(
            [str(PYTHON), "manage.py", "worker", "--no-reload", "--interval", "1", "--sweep-every", "20"],
            cwd=ROOT, env=environment, text=True,
            stdout=open(self.workdir / "worker.log", "a"), stderr=subprocess.STDOUT,  # noqa: SIM115
        )  # fmt: skip
        for _ in range(100):
            try:
                probe = urllib.request.Request(f"http://127.0.0.1:{PORTS['http']}/healthz")
                with urllib.request.urlopen(probe, timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def stop_portal(self) -> None:
        for process in (self.app, self.worker):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.app, self.worker):
            if process is not None:
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()


DJANGO_PREAMBLE = "import sys; sys.path.insert(0, 'bench'); from _setup import setup_django; setup_django()\n"

PLAN_SCRIPT = (
    DJANGO_PREAMBLE
    + r"""
import json, random
from allauth.account.models import EmailAddress
from coalition import access
from coalition.access import Action
from coalition.accounts.models import User
from coalition.library.models import Audience, Document, TLP
from coalition.organisations.models import Membership, Role
from coalition.search.models import Word

rng = random.Random(14)
members = []
candidates = (
    Membership.objects.filter(role__in=[Role.READER, Role.CONTRIBUTOR, Role.EDITOR], signatory=False,
                              organisation__kind__in=["member", "partner"], user__is_active=True)
    .select_related("user").order_by("user_id")
)
seen = set()
for membership in candidates:
    user = membership.user
    if user.pk in seen or access.held_for_mfa(user) or user.memberships.count() != 1:
        continue
    seen.add(user.pk)
    readable = access.visible(user, Document.objects.all(), Action.VIEW_DOCUMENT).order_by("-pk")
    visible = list(readable.values_list("pk", flat=True)[:400])
    if len(visible) < 20:
        continue
    sample = rng.sample(visible, min(40, len(visible)))
    own = Document.objects.filter(owner=membership.organisation, status__in=["draft", "published"]).exclude(tlp=TLP.RED)
    edit = [d.pk for d in own.order_by("-pk")[:40] if access.can(user, Action.EDIT_DOCUMENT, d)][:6]
    comment = [pk for pk in sample if access.can(user, Action.COMMENT_DOCUMENT, Document.objects.get(pk=pk))][:6]
    # Generated accounts have no confirmed address; people who sign in every day have one.
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    account = {"email": user.email, "password": "bench-password-2026"}
    members.append({**account, "read": sample, "edit": edit, "comment": comment})
    if len(members) >= 60:
        break
shown = Document.objects.filter(audience=Audience.PUBLIC, tlp=TLP.CLEAR, status="published").order_by("-pk")
public = list(shown.values_list("pk", flat=True)[:200])
words = [w for w in Word.objects.order_by("?").values_list("text", flat=True)[:60] if w.isalpha()]
print(json.dumps({"members": members, "public": public, "words": words or ["policy"]}))
"""
)

CHECK_SCRIPT = (
    DJANGO_PREAMBLE
    + r"""
import hashlib, json, sys
from datetime import datetime, UTC
from pathlib import Path
from django.conf import settings
from collections import Counter
from coalition.audit.models import AuditEvent
from coalition.drafting.models import Comment
from coalition.library.models import Attachment, Audience, Document, Revision, TLP
from coalition.notifications.models import EmailDelivery
writes = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
since = datetime.fromtimestamp(float(sys.argv[2]), UTC)
lost = []
refused = [write for write in writes if write["kind"] == "refused"]
reads = [write for write in writes if write["kind"] == "read"]
acknowledged = [write for write in writes if write["kind"] not in ("refused", "read")]
media = Path(settings.MEDIA_ROOT)
for write in acknowledged:
    if write["kind"] == "attachment":
        row = Attachment.objects.filter(document_id=write["document"], original_name=write["marker"] + ".pdf").first()
        ok = row is not None and (media / row.storage_name).is_file()
        ok = ok and hashlib.sha256((media / row.storage_name).read_bytes()).hexdigest() == row.sha256
    else:
        model = Comment if write["kind"] == "comment" else Revision
        ok = model.objects.filter(document_id=write["document"], body__contains=write["marker"]).exists()
    if not ok:
        lost.append(write)
stray = [name for name in Attachment.objects.filter(original_name__in=[w["marker"] + ".pdf" for w in refused])]
emails = EmailDelivery.objects.filter(created_at__gte=since)
states = {state: emails.filter(state=state).count() for state in EmailDelivery.State.values}
kinds = {kind: sum(1 for w in acknowledged if w["kind"] == kind) for kind in ("comment", "revision", "attachment")}
# Every served read of protected material has its audit event (public TLP:CLEAR reads are not recorded).
public = set(Document.objects.filter(audience=Audience.PUBLIC, tlp=TLP.CLEAR).values_list("pk", flat=True))
served = Counter((w["marker"], str(w["document"])) for w in reads if w["document"] not in public)
events = Counter(
    AuditEvent.objects.filter(action="document.viewed", created_at__gte=since).values_list("actor_label", "target_id")
)
unrecorded = sum(max(0, count - events[key]) for key, count in served.items())
refused_at = [w["at"] for w in refused]
print(json.dumps({"acknowledged": len(acknowledged), "kinds": kinds, "lost": lost, "emails": states,
                  "protected_reads": sum(served.values()), "unrecorded_reads": unrecorded,
                  "refused_at": refused_at, "refused_but_stored": len(stray)}))
"""
)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def analyse(log_path: Path, started: float, ended: float, window: tuple[float, float] | None) -> dict[str, Any]:
    pages: dict[str, list[float]] = {}
    errors: dict[str, dict[str, int]] = {"inside": {}, "outside": {}}
    error_pages: dict[str, int] = {}
    total = 0
    for line in log_path.read_text().splitlines():
        start, name, status, ms, exception = json.loads(line)
        total += 1
        failed = exception != "" or status == 0 or status >= 400
        if not failed:
            pages.setdefault(name, []).append(ms)
            continue
        # Inside when the request was in flight at any moment of the window (one sent just before
        # the fault began and answered during it counts as inside).
        inside = window is not None and start <= window[1] and start + ms / 1000 >= window[0]
        where = "inside" if inside else "outside"
        key = str(status) if status else exception
        errors[where][key] = errors[where].get(key, 0) + 1
        error_pages[name] = error_pages.get(name, 0) + 1
    duration = ended - started
    table = {
        name: {
            "count": len(times),
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
            "p99": percentile(times, 0.99),
        }
        for name, times in sorted(pages.items())
    }
    return {
        "requests": total,
        "duration_s": round(duration, 1),
        "throughput_rps": round(total / duration, 1) if duration else 0,
        "pages": table,
        "errors": errors,
        "error_pages": error_pages,
    }


def inject(services: Services, fault: str, at: float, length: float, marks: dict[str, float], began: float) -> None:
    time.sleep(max(0.0, began + at - time.time()))
    marks["start"] = time.time()
    log(f"fault: {fault} begins")
    if fault == "database":
        services.pg_ctl("restart", "-m", "fast")
    elif fault == "cache":
        services.stop_redis()
        time.sleep(length)
        services.start_redis()
    elif fault == "mail":
        services.stop_smtp()
        time.sleep(length)
        services.start_smtp()
    elif fault == "disk":
        services.fill_media()
        time.sleep(length)
        services.free_media()
    marks["end"] = time.time()
    log(f"fault: {fault} over after {marks['end'] - marks['start']:.2f} s")


def ensure_load_venv() -> Path:
    locust = LOAD_VENV / "bin" / "locust"
    if not locust.exists():
        log("Making var/load-venv for locust (requirements-load.txt)")
        run([sys.executable, "-m", "venv", str(LOAD_VENV)])
        run([str(LOAD_VENV / "bin" / "pip"), "install", "--quiet", "-r", str(ROOT / "requirements-load.txt")])
    return locust


def prepare_data(services: Services, fresh: bool) -> None:
    marker = services.workdir / "data-ready"
    if marker.exists() and not fresh:
        return
    log("Generating the library (20,000 documents with text; about two minutes)")
    services.pg_client("dropdb", "--if-exists", "coalition_load")
    services.pg_client("createdb", "coalition_load")
    services.manage("migrate", "--noinput", "-v", "0")
    services.python("bench/generate.py", "--size", "small", stdout=subprocess.DEVNULL)
    services.python("bench/search.py", "bodies", stdout=subprocess.DEVNULL)
    services.manage("search_rebuild", stdout=subprocess.DEVNULL)
    marker.write_text("ok\n")


def one_run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    services = Services(workdir)
    locust = ensure_load_venv()
    services.start_postgres()
    services.start_redis()
    services.start_smtp()
    services.mount_media()
    result: dict[str, Any] = {}
    try:
        prepare_data(services, args.fresh)
        services.manage("collectstatic", "--noinput", "-v", "0")
        plan = json.loads(services.python("-c", PLAN_SCRIPT, capture_output=True).stdout)
        plan["origin"] = f"https://127.0.0.1:{PORTS['http']}"
        (workdir / "plan.json").write_text(json.dumps(plan))
        request_log, writes = workdir / f"requests-{args.fault}.jsonl", workdir / f"writes-{args.fault}.jsonl"
        for path in (request_log, writes):
            path.unlink(missing_ok=True)
            path.touch()
        services.start_portal()
        log(f"Load: {args.users} people for {args.minutes} min, fault: {args.fault}")
        marks: dict[str, float] = {}
        began = time.time()
        injector = None
        if args.fault != "none":
            injector = threading.Thread(
                target=inject, args=(services, args.fault, args.fault_at, args.fault_for, marks, began), daemon=True
            )
            injector.start()
        environment = {
            **os.environ,
            "LOAD_PLAN": str(workdir / "plan.json"),
            "LOAD_LOG": str(request_log),
            "LOAD_WRITES": str(writes),
        }
        subprocess.run(
            [
                str(locust), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless", "--users", str(args.users),
                "--spawn-rate", "5", "--run-time", f"{int(args.minutes * 60)}s", "--host", f"http://127.0.0.1:{PORTS['http']}",
                "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10",
            ],
            env=environment, check=False, stderr=subprocess.STDOUT,
            stdout=open(workdir / f"locust-{args.fault}.log", "w"),  # noqa: SIM115
        )  # fmt: skip
        ended = time.time()
        if injector is not None:
            injector.join()
        window = (marks["start"], marks["end"] + WINDOW_GRACE) if marks else None
        log("Waiting for the outbox to drain")
        drained = wait_for_outbox(services, began)
        services.stop_portal()
        check = json.loads(services.python("-c", CHECK_SCRIPT, str(writes), str(began), capture_output=True).stdout)
        verify = services.manage("audit_verify", check=False, capture_output=True)
        result = {
            "fault": args.fault,
            "began": began,
            "users": args.users,
            "minutes": args.minutes,
            "fault_window_s": [round(window[0] - began, 1), round(window[1] - began, 1)] if window else None,
            "fault_length_s": round(marks["end"] - marks["start"], 2) if marks else None,
            **analyse(request_log, began, ended, window),
            "acknowledged_writes": check["acknowledged"],
            "acknowledged_by_kind": check["kinds"],
            "lost_writes": len(check["lost"]),
            "uploads_refused": {
                "inside": sum(1 for at in check["refused_at"] if window and window[0] <= at <= window[1]),
                "outside": sum(1 for at in check["refused_at"] if not (window and window[0] <= at <= window[1])),
            },
            "refused_uploads_stored": check["refused_but_stored"],
            "protected_reads_served": check["protected_reads"],
            "protected_reads_without_audit_event": check["unrecorded_reads"],
            "emails": check["emails"],
            "outbox_drained": drained,
            "audit_verify": verify.returncode == 0,
            "audit_verify_output": (verify.stdout or verify.stderr).strip()[-300:],
        }
    finally:
        services.stop_portal()
        services.stop_smtp()
        services.stop_redis()
        services.stop_postgres()
        services.unmount_media()
    return result


def wait_for_outbox(services: Services, since: float, limit: float = 240.0) -> bool:
    script = DJANGO_PREAMBLE + (
        "from datetime import datetime, UTC; from coalition.notifications.models import EmailDelivery as E; "
        f"since = datetime.fromtimestamp({since}, UTC); "
        "print(E.objects.filter(created_at__gte=since, state__in=['pending', 'sending']).count())"
    )
    deadline = time.time() + limit
    while time.time() < deadline:
        waiting = int(services.python("-c", script, capture_output=True).stdout)
        if waiting == 0:
            return True
        time.sleep(5)
    return False


def report(paths: list[Path]) -> None:
    runs = [json.loads(path.read_text()) for path in paths]
    for result in runs:
        print(f"\n#### {result['fault']}: {result['users']} people, {result['minutes']} min\n")
        print("| Page | Requests | p50 ms | p95 ms | p99 ms |")
        print("|---|---:|---:|---:|---:|")
        for name, row in result["pages"].items():
            print(f"| {name} | {row['count']:,} | {row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} |")
        refused = result.get("uploads_refused", {})
        print(
            f"\nThroughput {result['throughput_rps']} requests/s ({result['requests']:,} in {result['duration_s']} s). "
            f"Fault window {result['fault_window_s']} s (the fault itself {result['fault_length_s']} s). "
            f"Errors inside the window {result['errors']['inside'] or 0}, outside {result['errors']['outside'] or 0} "
            f"(by page: {result['error_pages'] or 0}). Uploads refused inside {refused.get('inside', 0)}, "
            f"outside {refused.get('outside', 0)}, stored anyway {result.get('refused_uploads_stored', 0)}. "
            f"Acknowledged writes {result['acknowledged_writes']} ({result.get('acknowledged_by_kind', {})}), "
            f"lost {result['lost_writes']}. Emails {result['emails']}, outbox drained: {result['outbox_drained']}. "
            f"Protected reads served {result.get('protected_reads_served')}, without their audit event "
            f"{result.get('protected_reads_without_audit_event')}. "
            f"audit_verify {'passed' if result['audit_verify'] else 'FAILED'}: {result['audit_verify_output']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fault", choices=["none", "database", "cache", "mail", "disk"], default="none")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--fault-at", type=float, default=90.0, help="seconds into the run (default 90)")
    parser.add_argument("--fault-for", type=float, default=30.0, help="how long Redis or SMTP stays down (default 30)")
    parser.add_argument("--workdir", default="/tmp/coalition-load")
    parser.add_argument("--fresh", action="store_true", help="generate the library again")
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--report", nargs="+", type=Path, help="print the tables for these results and stop")
    args = parser.parse_args()
    if args.report:
        report(args.report)
        return
    result = one_run(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
