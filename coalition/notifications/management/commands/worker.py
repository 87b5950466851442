"""The task worker for production and `make run`: django-tasks-db's `db_worker`, made to outlast
a database outage, and sweeping the email outbox by itself.

- A database error in the worker's loop (PostgreSQL restarting, the network gone) no longer ends
  the process: the worker closes its connections, waits (1, 2, 4 ... at most 30 seconds) and
  carries on where it was. A task that was running when the database went away is not lost: its
  email stays claimed in the outbox and the sweep below sends it again once the claim is stale.
- Every minute a thread of the worker runs the outbox sweep (`send_pending_email`): emails due but
  never handed to a task, and emails claimed by a worker that was killed mid-send, are queued
  again. Cron's `send_pending_email` stays useful for installations that run no worker.

- Every hour a thread sends the review-by reminders that are due (`send_review_reminders`; each is
  sent once, so the hour only bounds how late one can be).

- Every few seconds another thread runs the audit log's sequencer (`audit_integrate`): events the
  requests committed are numbered, integrated into the Merkle tree and a checkpoint is signed. It
  warns when an event waited longer than AUDIT_INTEGRATION_BOUND, and once a day it redacts the
  personal data of events older than AUDIT_PERSONAL_DATA_DAYS (`audit_redact`).

The options are db_worker's (`--interval`, `--queue-name`, `--batch`, ...), plus `--sweep-every`,
`--sequence-every` and `--remind-every`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from coalition.audit import retention, tree
from coalition.notifications.outbox import sweep
from coalition.notifications.reminders import send_review_reminders

logger = logging.getLogger("coalition.worker")

DATABASE_ERRORS = (OperationalError, InterfaceError)
MAX_WAIT = 30.0
REDACT_EVERY = 24 * 3600.0


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        with contextlib.suppress(*DATABASE_ERRORS):
            connection.close()


class Worker(db_worker.Worker):
    def __init__(
        self,
        *args: Any,
        sweep_every: float = 60.0,
        sequence_every: float = 0.0,
        remind_every: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.sweep_every = sweep_every
        self.sequence_every = sequence_every
        self.remind_every = remind_every
        self._stopped = threading.Event()

    def shutdown(self, signum: int, frame: Any) -> None:
        self._stopped.set()
        super().shutdown(signum, frame)

    def run(self) -> None:
        sweeper = None
        if self.sweep_every > 0 and not self.batch:
            sweeper = threading.Thread(target=self._sweep_forever, name="outbox-sweep", daemon=True)
            sweeper.start()
        sequencer = None
        if self.sequence_every > 0 and not self.batch:
            sequencer = threading.Thread(target=self._sequence_forever, name="audit-sequencer", daemon=True)
            sequencer.start()
        reminder = None
        if self.remind_every > 0 and not self.batch:
            reminder = threading.Thread(target=self._remind_forever, name="review-reminders", daemon=True)
            reminder.start()
        failures = 0
        try:
            while self.running:
                try:
                    super().run()
                    return  # --batch or --max-tasks reached, or asked to stop
                except DATABASE_ERRORS as error:
                    if "no such table" in str(error):
                        raise  # SQLite's word for an unmigrated database: a mistake to fix, not an outage
                    failures += 1
                    self.startup_delay = False
                    self.running_task = False
                    wait = min(2.0 ** (failures - 1), MAX_WAIT)
                    logger.warning("The database is unavailable (%s); the worker tries again in %.0f s.", error, wait)
                    _close_connections()
                    if self._stopped.wait(wait):
                        return
                else:
                    failures = 0
        finally:
            self._stopped.set()
            for thread in (sweeper, sequencer, reminder):
                if thread is not None:
                    thread.join(timeout=5)

    def _sweep_forever(self) -> None:
        while not self._stopped.wait(self.sweep_every):
            close_old_connections()  # this thread's own connection
            self._sweep_once()
        _close_connections()

    def _sequence_forever(self) -> None:
        redacted_at = 0.0
        while not self._stopped.wait(self.sequence_every):
            close_old_connections()
            try:
                tree.integrate_all()
                state = tree.status()
                if not state.within_bound:
                    logger.warning(
                        "Audit events waited %.1f s to be integrated (bound %s s; %s waiting).",
                        state.oldest_waiting_seconds,
                        state.bound_seconds,
                        state.waiting,
                    )
                if time.monotonic() - redacted_at >= REDACT_EVERY or not redacted_at:
                    redacted_at = time.monotonic()
                    if count := retention.redact_personal_data():
                        logger.info("Redacted the address and browser of %s old audit event(s).", count)
            except DATABASE_ERRORS as error:
                logger.warning("Audit sequencer skipped: the database is unavailable (%s).", error)
                _close_connections()
            except Exception:
                logger.exception("Audit sequencer failed")
        _close_connections()

    def _remind_forever(self) -> None:
        while not self._stopped.wait(self.remind_every):
            close_old_connections()
            self._remind_once()
        _close_connections()

    def _remind_once(self) -> None:
        try:
            send_review_reminders()
        except DATABASE_ERRORS as error:
            logger.warning("Review reminders skipped: the database is unavailable (%s).", error)
            _close_connections()
        except Exception:
            logger.exception("Review reminders failed")

    def _sweep_once(self) -> None:
        try:
            count = sweep()
            if count:
                logger.info("Outbox sweep queued %s email(s) again.", count)
        except DATABASE_ERRORS as error:
            logger.warning("Outbox sweep skipped: the database is unavailable (%s).", error)
            _close_connections()
        except Exception:
            logger.exception("Outbox sweep failed")


class Command(db_worker.Command):
    help = "Run queued tasks (emails), outlasting database outages and sweeping the email outbox."

    def add_arguments(self, parser: ArgumentParser) -> None:  # type: ignore[override]
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-every",
            type=float,
            default=60.0,
            metavar="SECONDS",
            help="How often to re-queue emails no task will send (0: never, leave it to cron). Default 60.",
        )
        parser.add_argument(
            "--sequence-every",
            type=float,
            default=2.0,
            metavar="SECONDS",
            help="How often to integrate audit events into the Merkle tree (0: never). Default 2.",
        )
        parser.add_argument(
            "--remind-every",
            type=float,
            default=3600.0,
            metavar="SECONDS",
            help="How often to send due review-by reminders (0: never, leave it to cron). Default 3600.",
        )

    def handle(  # type: ignore[override]
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        sweep_every: float,
        sequence_every: float,
        remind_every: float,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        if not logger.hasHandlers():
            logger.addHandler(logging.StreamHandler(self.stdout))
        logger.setLevel(logging.INFO if verbosity else logging.WARNING)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
            sweep_every=sweep_every,
            sequence_every=sequence_every,
            remind_every=remind_every,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the child process handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
