"""In Chromium, nothing a member writes runs: the nastiest payloads of the XSS corpus as document
bodies, titles and summaries, on the document page, the library list and in the editor's live
preview (which htmx swaps in, and htmx would run scripts and hx- attributes it finds there).

Every page is opened twice: as served, and with the Content-Security-Policy switched off. The
policy would block inline handlers, so only the second run shows that the sanitiser removed them
before the policy mattered; in the first, any violation the policy reports is a failure too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from coalition.library import services
from coalition.library.models import Document
from coalition.organisations.models import Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parents[1] / "library" / "data" / "xss_payloads.json"
# Each would run on its own if it reached the page as written: on load, on error, on focus, on
# toggle, through htmx's processing of swapped content, or through a parser confusion.
NASTIEST = [
    "<script>alert(123)</script>",
    "<img src=x onerror=alert(123) />",
    '"><script>alert(123)</script>',
    "<svg><script>123<1>alert(123)</script> ",
    "<sc<script>ript>alert(123)</sc</script>ript>",
    "--><script>alert(123)</script>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    '<<SCRIPT>alert("XSS");//<</SCRIPT>',
    "<img src=x onerror=window.__xss=1>",
    "<img src=x:x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>window.__xss=1</script></svg>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    "<details open ontoggle=window.__xss=1><summary>x</summary></details>",
    "<input autofocus onfocus=window.__xss=1>",
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    "<video><source onerror=alert(1)></video>",
    "<audio src=x onerror=alert(1)></audio>",
    "<body onload=alert(1)>",
    '<a href="https://example.org" onmouseover=window.__xss=1>x</a>',
    "<p onclick=alert(1)>paragraph</p>",
    '<div hx-on:click="alert(1)" hx-on::load="window.__xss=1">htmx on</div>',
    '<a href="https://example.org" hx-get="/library/" hx-trigger="load">htmx</a>',
    "[x](javascript:alert(1))",
    "</div></div></main><script>window.__xss=1</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    # Last: they leave an element open that takes in everything after it.
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<plaintext><img src=x onerror=alert(1)>",
]

# What must hold in the browser after the page (or a preview) has settled. Synthetic events on
# every element of member content set off any handler a click, hover or focus would.
CHECK_DOM = """
(selector) => {
  const problems = [];
  const allowed = new Set(['http:', 'https:', 'mailto:']);
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) problems.push(`${el.tagName} has ${attr.name}`);
    }
  }
  for (const el of document.querySelectorAll(
      'iframe, frame, object, embed, applet, svg, math, style, base, template, noscript, video, audio')) {
    problems.push(`${el.tagName} element on the page`);
  }
  for (const el of document.querySelectorAll('script')) {
    if (!el.src || new URL(el.src).origin !== location.origin || el.textContent.trim()) {
      problems.push(`script ${el.outerHTML.slice(0, 120)}`);
    }
  }
  for (const el of document.querySelectorAll('meta[http-equiv], body meta, body link')) {
    problems.push(`${el.outerHTML.slice(0, 120)}`);
  }
  for (const box of document.querySelectorAll(selector)) {
    for (const el of box.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        if (attr.name === 'style' || attr.name.startsWith('hx-') || attr.name.startsWith('data-')) {
          problems.push(`${el.tagName} in member content has ${attr.name}`);
        }
      }
      if (['SCRIPT', 'FORM', 'INPUT', 'BUTTON', 'TEXTAREA', 'SELECT', 'META', 'LINK', 'DETAILS'].includes(el.tagName)) {
        problems.push(`${el.tagName} element in member content`);
      }
      for (const url of [el.href, el.src, el.action].filter((u) => typeof u === 'string' && u)) {
        const protocol = new URL(url, location.href).protocol;
        if (!allowed.has(protocol)) problems.push(`${el.tagName} links to ${protocol}`);
      }
      for (const type of ['click', 'mouseover', 'mouseenter', 'focus', 'toggle', 'load', 'error', 'wheel']) {
        el.dispatchEvent(new Event(type));
      }
    }
  }
  if (document.baseURI !== location.href) problems.push(`base URI is ${document.baseURI}`);
  return problems;
}
"""
# Recorded from before the page's first script, in every frame.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  (window.top.__violations || window.__violations).push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`);
});
"""
IMAGES_SETTLED = "() => Array.from(document.images).every((image) => image.complete)"
PREVIEW = """
async ([body, token]) => {
  await htmx.ajax('POST', '/library/preview/', {
    target: '#preview', values: {body: body}, headers: {'X-CSRFToken': token},
  });
}
"""


@dataclass
class Watch:
    """Everything that would show a payload ran: dialogs, console messages about the policy."""

    dialogs: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def nastiest() -> list[str]:
    corpus = {p["text"] for p in json.loads(CORPUS.read_text(encoding="utf-8"))["payloads"]}
    missing = [p for p in NASTIEST if p not in corpus]
    assert not missing, f"not in the corpus: {missing!r}"
    return NASTIEST


@pytest.fixture
def open_as(browser: Browser, live_server: Any) -> Iterator[Callable[..., tuple[Page, Watch]]]:
    contexts = []

    def open_page(email: str, *, bypass_csp: bool) -> tuple[Page, Watch]:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=bypass_csp)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(RECORD_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        watch = Watch()

        def on_dialog(dialog: Any) -> None:
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on(
            "console",
            lambda message: watch.console.append(message.text) if "Content Security Policy" in message.text else None,
        )
        sign_in(page, email, PASSWORD)
        return page, watch

    yield open_page
    for context in contexts:
        context.close()


def _assert_nothing_ran(page: Page, watch: Watch, where: str, member_content: str) -> None:
    page.wait_for_function(IMAGES_SETTLED)
    problems = page.evaluate(CHECK_DOM, member_content)
    page.wait_for_timeout(50)  # any handler the events above set off has run by now
    assert watch.dialogs == [], f"{where}: dialogs {watch.dialogs}"
    assert page.evaluate("typeof window.__xss") == "undefined", f"{where}: window.__xss was set"
    assert problems == [], f"{where}: {problems}"
    violations = page.evaluate("window.__violations")
    assert violations == [] and watch.console == [], f"{where}: the policy had to step in: {violations} {watch.console}"


@pytest.mark.parametrize("bypass_csp", [False, True], ids=["with CSP", "without CSP"])
def test_no_payload_runs_on_document_pages_or_in_the_preview(open_as, nastiest, bypass_csp, make_member, acme):
    editor = make_member(acme, Role.EDITOR, email="editor@acme.example", name="Ed Editor")
    one_each: list[Document] = [
        services.create_document(acting_user=editor, owner=acme, title=p[:200], summary=p, body=p) for p in nastiest
    ]
    combined = services.create_document(
        acting_user=editor, owner=acme, title="All of them", body="Start of payloads.\n\n" + "\n\n".join(nastiest)
    )
    page, watch = open_as(editor.email, bypass_csp=bypass_csp)

    # Titles and summaries, all on one page.
    page.goto("/library/")
    expect(page.get_by_role("link", name="All of them")).to_be_visible()
    _assert_nothing_ran(page, watch, "library list", "table")

    # Each payload as title, summary and text of its own document; then all in one text.
    for document in [*one_each, combined]:
        page.goto(f"/library/{document.pk}/")
        expect(page.locator("h1")).to_have_text(document.title)
        _assert_nothing_ran(page, watch, f"document page of {document.title!r}", ".document-body, .summary")
        assert page.url.endswith(f"/library/{document.pk}/"), f"{document.title!r} navigated away"

    # The editor's live preview: loaded with the text, then each payload swapped in by htmx.
    page.goto(f"/library/{combined.pk}/edit/")
    expect(page.locator("#preview")).to_contain_text("Start of payloads.")
    _assert_nothing_ran(page, watch, "editor preview of all payloads", "#preview")
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    for payload in nastiest:
        page.evaluate(PREVIEW, [payload, token])
        _assert_nothing_ran(page, watch, f"editor preview of {payload!r}", "#preview")

    # Typing into the editor, as a member would.
    with page.expect_response("**/library/preview/"):
        page.locator("textarea[name=body]").fill("\n\n".join(reversed(nastiest)))
    _assert_nothing_ran(page, watch, "editor preview after typing", "#preview")
    assert page.url.endswith(f"/library/{combined.pk}/edit/")
