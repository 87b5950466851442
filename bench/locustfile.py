"""The load test's simulated people (run by bench/load.py with locust; not imported by Django).

Members sign in with their password, read the library list and documents, search, comment and
save revisions, and now and then sign out and in again; visitors read the public home and public
documents; now and then someone asks for a password reset link (an email, through the outbox). A
load balancer's probe asks `/healthz`, a bare Django view (no template, no database), which is the
peer every page is compared with.

Every request is written to LOAD_LOG (one JSON array per line: start time, page, status, ms,
exception) so that bench/load.py can tell errors inside a fault window from errors outside it.
Every write the portal acknowledged (a 302 after a comment or a saved revision, "was attached"
after an upload) is written to LOAD_WRITES with the unique marker its text or file name carries,
so that bench/load.py can check that each one is in the database afterwards; an upload refused
because the storage is full is written there as "refused", with its time.

The portal runs with its production settings behind an imagined TLS proxy: requests carry
`X-Forwarded-Proto: https`, and the client sends the portal's Secure (`__Host-`) cookies over the
local plain-HTTP connection, as the proxy would.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading
import time
import uuid
from html.parser import HTMLParser
from typing import Any

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # noqa: SIM115 (read once at import)
_log = open(os.environ["LOAD_LOG"], "a", buffering=1)  # noqa: SIM115 (kept open for the run)
_writes = open(os.environ["LOAD_WRITES"], "a", buffering=1)  # noqa: SIM115
_lock = threading.Lock()
_accounts = itertools.cycle(PLAN["members"])
_addresses = itertools.count()
ORIGIN = PLAN["origin"]


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, response: Any, exception: Any, **kwargs: Any) -> None:
    start = kwargs.get("start_time") or 0.0
    status = getattr(response, "status_code", 0) if response is not None else 0
    line = json.dumps(
        [round(start, 3), name, status, round(response_time, 1), type(exception).__name__ if exception else ""]
    )
    with _lock:
        _log.write(line + "\n")


def _acknowledged(kind: str, marker: str, document: int) -> None:
    line = json.dumps({"kind": kind, "marker": marker, "document": document, "at": round(time.time(), 3)})
    with _lock:
        _writes.write(line + "\n")


class FormDefaults(HTMLParser):
    """The values a browser would submit for the first POST form whose action ends with `action`
    or that has no action (it posts to its own page, which is `action`)."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.done = False
        self.values: dict[str, str] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form" and not self.done and not self.inside and a.get("method", "").lower() == "post":
            target = a.get("action", "")
            self.inside = not target or target.endswith(self.action)
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.values[name] = a.get("value", "on")
            elif kind not in {"submit", "button", "file"}:
                self.values[name] = a.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self.values[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            self.values.setdefault(self._select, self._first_option or "")
            self._select = None
        elif tag == "form" and self.inside:
            self.inside, self.done = False, True

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str, action: str) -> dict[str, str] | None:
    parser = FormDefaults(action)
    parser.feed(html)
    return parser.values if parser.done else None


class Portal(HttpUser):
    abstract = True

    def on_start(self) -> None:
        # Each simulated person has an address of their own, which the proxy passes on (the
        # portal runs with TRUSTED_PROXY_COUNT=1): the sign-in and reset limits count per person,
        # as they would in production, rather than for everyone at once.
        number = next(_addresses)
        address = f"198.51.{100 + number // 250}.{1 + number % 250}"
        self.client.headers.update({"X-Forwarded-Proto": "https", "X-Forwarded-For": address})

    def _behind_tls_proxy(self) -> None:
        """Send the Secure cookies over the local HTTP hop, as the TLS-terminating proxy would
        (requests sends a Secure cookie only to an https:// address)."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, path: str, name: str) -> Any:
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
        self._behind_tls_proxy()
        return response

    def post(self, path: str, data: dict[str, str], name: str) -> Any:
        headers = {"Origin": ORIGIN, "Referer": ORIGIN + path}
        with self.client.post(
            path, data=data, name=name, headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code not in (302, 303):
                response.failure(f"HTTP {response.status_code}")
        self._behind_tls_proxy()
        return response


class Member(Portal):
    weight = 5
    wait_time = between(1, 3)

    def on_start(self) -> None:
        super().on_start()
        self.account = next(_accounts)
        self.signed_in = False
        self.sign_in()

    def sign_in(self) -> bool:
        form = self.get("/accounts/login/", "sign-in form")
        values = form_values(form.text, "/accounts/login/") if form.status_code == 200 else None
        if values is None:
            return False
        values.update(login=self.account["email"], password=self.account["password"])
        response = self.post("/accounts/login/", values, "sign in")
        self.signed_in = response.status_code == 302 and response.headers.get("Location") == "/"
        return self.signed_in

    def ready(self) -> bool:
        return self.signed_in or self.sign_in()

    @task(20)
    def library(self) -> None:
        if self.ready():
            page = random.choice(["", "?page=2", "?sort=title", "?status=published"])
            self.get(f"/library/{page}", "library list")

    @task(40)
    def document(self) -> None:
        if self.ready():
            document = random.choice(self.account["read"])
            if self.get(f"/library/{document}/", "document").status_code == 200:
                _acknowledged("read", self.account["email"], document)  # served: its audit event must exist

    @task(15)
    def search(self) -> None:
        if self.ready():
            self.get(f"/search/?q={random.choice(PLAN['words'])}", "search")

    @task(5)
    def home(self) -> None:
        if self.ready():
            self.get("/", "home (signed in)")

    @task(5)
    def comment(self) -> None:
        if not self.ready() or not self.account["comment"]:
            return
        document = random.choice(self.account["comment"])
        page = self.get(f"/library/{document}/discussion/", "discussion")
        values = (
            form_values(page.text, f"/library/{document}/discussion/comments/") if page.status_code == 200 else None
        )
        if values is None:
            return
        marker = f"load-{uuid.uuid4().hex}"
        values.update(anchor="document", body=f"A load-test comment {marker}.")
        response = self.post(f"/library/{document}/discussion/comments/", values, "comment")
        if response.status_code == 302:
            _acknowledged("comment", marker, document)

    @task(5)
    def save_revision(self) -> None:
        if not self.ready() or not self.account["edit"]:
            return
        document = random.choice(self.account["edit"])
        page = self.get(f"/library/{document}/edit/", "edit form")
        values = form_values(page.text, f"/library/{document}/edit/") if page.status_code == 200 else None
        if values is None or "body" not in values:
            return
        marker = f"load-{uuid.uuid4().hex}"
        values["body"] = values["body"].rstrip() + f"\n\nA load-test paragraph {marker}.\n"
        response = self.post(f"/library/{document}/edit/", values, "save revision")
        if response.status_code == 302:
            _acknowledged("revision", marker, document)

    @task(2)
    def upload(self) -> None:
        if not self.ready() or not self.account["edit"]:
            return
        document = random.choice(self.account["edit"])
        page = self.get(f"/library/{document}/", "document")
        action = f"/library/{document}/attachments/"
        values = form_values(page.text, action) if page.status_code == 200 else None
        if values is None:
            return
        marker = f"load-{uuid.uuid4().hex}"
        content = b"%PDF-1.4\n% " + marker.encode() + b"\n" + os.urandom(20_000) + b"\n%%EOF\n"
        headers = {"Origin": ORIGIN, "Referer": ORIGIN + f"/library/{document}/"}
        with self.client.post(
            action,
            data=values,
            files={"file": (f"{marker}.pdf", content, "application/pdf")},
            headers=headers,
            name="upload",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"HTTP {response.status_code}")
        self._behind_tls_proxy()
        if response.status_code != 302:
            return
        # The outcome is the message on the page the upload leads to.
        after = self.get(response.headers["Location"], "document (after upload)")
        if f"“{marker}.pdf” was attached." in after.text:
            _acknowledged("attachment", marker, document)
        elif "could not be stored" in after.text:
            _acknowledged("refused", marker, document)

    @task(1)
    def sign_out_and_in(self) -> None:
        if not self.ready():
            return
        page = self.get("/accounts/logout/", "sign-out form")
        values = form_values(page.text, "/accounts/logout/") if page.status_code == 200 else None
        if values is not None and self.post("/accounts/logout/", values, "sign out").status_code == 302:
            self.signed_in = False
            self.sign_in()


class Visitor(Portal):
    weight = 2
    wait_time = between(1, 3)

    @task(3)
    def public_home(self) -> None:
        self.get("/", "public home")

    @task(5)
    def public_document(self) -> None:
        self.get(f"/library/{random.choice(PLAN['public'])}/", "public document")

    @task(1)
    def public_search(self) -> None:
        self.get(f"/search/?q={random.choice(PLAN['words'])}", "search (visitor)")


class Forgetful(Portal):
    """Someone who forgot their password asks for a reset link: an email through the outbox."""

    weight = 1
    wait_time = between(8, 12)

    @task
    def reset_password(self) -> None:
        page = self.get("/accounts/password/reset/", "password reset form")
        values = form_values(page.text, "/accounts/password/reset/") if page.status_code == 200 else None
        if values is not None:
            values["email"] = random.choice(PLAN["members"])["email"]
            self.post("/accounts/password/reset/", values, "password reset")


class Probe(Portal):
    """A load balancer's health check, and the bare Django page each figure is compared with."""

    weight = 1
    wait_time = between(0.5, 1)

    @task
    def healthz(self) -> None:
        self.get("/healthz", "bare Django page (/healthz)")
