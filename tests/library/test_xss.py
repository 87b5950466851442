"""Member text cannot script the portal.

Every payload of tests/library/data/xss_payloads.json (the script-injection sections of the Big
List of Naughty Strings, and Markdown and sanitiser vectors of our own) goes everywhere member text
reaches a page: document bodies (detail, revision, compare, edit conflict, live preview, editor),
titles, summaries, revision messages, topic names, attachment names, organisation names (their
page, the library's owner column and filters, the home page, the navigation) and people's names
(member list, history, audience, account menu).

Each page is parsed and must carry nothing a payload could have added: no script, frame, object,
embed, SVG, MathML, style, base, meta or form element of its own, no on... attribute, no URL
outside http, https, mailto and relative links, no style attribute, and in member content only the
attributes the renderer itself writes. Where member text is shown escaped, the page must have
exactly the elements and attribute names of the same page rendered with a harmless string instead.

Bodies are batched into documents (a payload that opens a comment or a code block changes how the
rest of its batch is read), so each payload is also rendered on its own, by the renderer and by
the preview endpoint.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils.html import escape

from coalition import access
from coalition.accounts.models import User
from coalition.core import markdown
from coalition.library import services
from coalition.library.models import Document, Topic
from coalition.organisations.models import Membership, Organisation, Role
from tests.conftest import enrol_totp

CORPUS = json.loads((Path(__file__).parent / "data" / "xss_payloads.json").read_text(encoding="utf-8"))
PAYLOADS: list[str] = [p["text"] for p in CORPUS["payloads"]]
HARMLESS = "Harmless words"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# Escaped fields: one organisation, person, topic and document per payload, in chunks that xdist
# spreads over its workers. Bodies: about 25 payloads to a document.
FIELD_CHUNKS = _chunks(PAYLOADS, 48)
BODY_BATCHES = _chunks(PAYLOADS, 25)
PREVIEW_CHUNKS = _chunks(PAYLOADS, 120)


# --- What a page may contain -------------------------------------------------------------------

# Never on any page of the portal, wherever they come from.
FORBIDDEN_TAGS = frozenset(
    {
        "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "style", "base",
        "template", "noscript", "xmp", "plaintext", "listing", "noembed", "noframes", "audio",
        "video", "source", "track", "portal", "dialog", "marquee", "isindex", "param", "image",
        "keygen", "animate", "set", "foreignobject", "maction", "mglyph",
    }
)  # fmt: skip
# The page's own: allowed where the templates put them (checked below), never in member content.
TEMPLATE_TAGS = frozenset(
    {
        "html", "head", "body", "title", "meta", "link", "script", "form", "input", "button",
        "textarea", "select", "option", "optgroup", "label", "fieldset", "legend", "details",
        "summary", "nav", "header", "footer", "main", "section", "article", "aside", "hgroup",
        "small", "span", "output", "datalist", "menu",
    }
)  # fmt: skip
URL_ATTRIBUTES = frozenset(
    {
        "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite",
        "codebase", "longdesc", "usemap", "ping", "srcset", "manifest", "icon", "lowsrc", "dynsrc",
        "profile", "classid", "archive", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete",
    }
)  # fmt: skip
NEVER_ATTRIBUTES = frozenset({"style", "srcdoc", "formaction", "xlink:href", "background", "dynsrc", "lowsrc", "ping"})
SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
# What the renderer itself writes into member content (coalition/core/markdown.py may write less).
MEMBER_ATTRIBUTES = frozenset(
    {"href", "title", "id", "src", "alt", "align", "colspan", "rowspan", "start", "class", "rel"}
)
MEMBER_ID_PREFIXES = ("doc-", "fn:", "fnref:")
MEMBER_CLASSES = frozenset({"footnote"})
MEMBER_RELS = frozenset({"noopener", "noreferrer", "nofollow"})
VOID_TAGS = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
        "wbr", "param", "keygen", "frame", "isindex",
    }
)  # fmt: skip
# Any of these opening in the raw text must be one the parser saw as an element of the template.
RAW_TAG = re.compile(
    r"<\s*(" + "|".join(sorted(FORBIDDEN_TAGS | {"script", "meta", "link", "base", "form", "title"})) + r")(?=[\s/>])",
    re.IGNORECASE,
)
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def url_scheme(value: str) -> str | None:
    """The scheme a browser would read from an attribute's (entity-decoded) URL: C0 controls and
    spaces around it are stripped, tabs and newlines inside it removed (WHATWG URL)."""
    value = value.strip(C0_OR_SPACE)
    value = re.sub(r"[\t\n\r]", "", value)
    match = SCHEME.match(value)
    return match.group(1).lower() if match else None


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    container: str | None  # None outside member content; "markdown" or "text" inside
    in_head: bool

    def describe(self) -> str:
        attrs = "".join(f" {k}={v!r}" if v is not None else f" {k}" for k, v in self.attrs)
        return f"<{self.tag}{attrs}>"


class Scan(HTMLParser):
    """A flat list of elements, each knowing whether it is inside member content: .document-
    body and #preview (rendered Markdown), and .source / the diff (member text shown as text)."""

    def __init__(self, *, fragment: str | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.fragment = fragment
        self.elements: list[Element] = []
        self.script_text: list[str] = []
        self._stack: list[tuple[str, str | None]] = []
        self._in_head = False

    def _container(self) -> str | None:
        for _tag, kind in reversed(self._stack):
            if kind is not None:
                return kind
        return self.fragment

    @staticmethod
    def _opens(tag: str, attrs: dict[str, str | None]) -> str | None:
        classes = set((attrs.get("class") or "").split())
        # The document page cuts the text into blocks beside its margin: each is a div.document-body.
        # A rendered comparison (.rendered-diff) is member Markdown too, with <ins> and <del> added.
        if classes & {"document-body", "rendered-diff"} or attrs.get("id") == "preview":
            return "markdown"
        if "source" in classes or ("diff" in classes and "inline" in classes):
            return "text"
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs, void=tag in VOID_TAGS)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, attrs, void=True)

    def _element(self, tag: str, attrs: list[tuple[str, str | None]], *, void: bool) -> None:
        if tag == "head":
            self._in_head = True
        elif tag == "body":
            self._in_head = False
        self.elements.append(Element(tag, attrs, self._container(), self._in_head))
        if not void:
            self._stack.append((tag, self._opens(tag, dict(attrs))))

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                break

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1][0] == "script" and data.strip():
            self.script_text.append(data)


def scan(html: str, *, fragment: str | None = None) -> Scan:
    parser = Scan(fragment=fragment)
    parser.feed(html)
    parser.close()
    return parser


def _shape(elements: list[Element]) -> Counter[tuple[str, tuple[str, ...]]]:
    """Tag names with their attribute names, outside member content: what escaping must keep as is."""
    return Counter(
        (e.tag, tuple(sorted(k for k, _ in e.attrs)))
        for e in elements
        if e.container is None and not _frames_a_block(e)
    )


def _frames_a_block(element: Element) -> bool:
    """The document page cuts its text into one row per block (paragraph, heading, list) beside the
    margin: how many such frames there are follows the member's text, not how it was escaped."""
    classes = set((dict(element.attrs).get("class") or "").split())
    return element.tag == "div" and bool(classes & {"draft-row", "document-body"})


@functools.lru_cache(maxsize=32)
def _baseline_shape(html: str) -> Counter[tuple[str, tuple[str, ...]]]:
    return _shape(scan(html).elements)


def problems(html: str, *, baseline: str | None = None, fragment: str | None = None) -> list[str]:
    found: list[str] = []
    page = scan(html, fragment=fragment)
    parsed: Counter[str] = Counter()
    for element in page.elements:
        tag, where = element.tag, element.container
        attrs = {k: v or "" for k, v in element.attrs}
        parsed[tag] += 1
        if tag in FORBIDDEN_TAGS:
            found.append(f"forbidden element {element.describe()}")
        elif where is not None and tag in TEMPLATE_TAGS:
            found.append(f"element {element.describe()} in member content")
        elif tag == "script" and not (set(attrs) <= {"src", "defer"} and attrs.get("src", "").startswith("/static/")):
            found.append(f"script element {element.describe()} not one of the portal's own")
        elif tag in {"meta", "link", "title"} and not element.in_head:
            found.append(f"{element.describe()} outside the head")
        elif tag == "link" and attrs.get("rel") not in {"stylesheet", "icon"}:
            found.append(f"unexpected {element.describe()}")
        elif tag == "form" and (attrs.get("action") or "/").startswith(("//", "\\")):
            found.append(f"form posting elsewhere {element.describe()}")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"event handler attribute {name!r} on {element.describe()}")
            if name in NEVER_ATTRIBUTES:
                found.append(f"attribute {name!r} on {element.describe()}")
            if name in URL_ATTRIBUTES:
                urls = [part.strip().split(" ")[0] for part in value.split(",")] if name == "srcset" else [value]
                for url in urls:
                    scheme = url_scheme(url)
                    template_favicon = (tag, name, url, where) == ("link", "href", "data:,", None)
                    if scheme is not None and scheme not in SAFE_SCHEMES and not template_favicon:
                        found.append(f"{scheme}: URL in {name!r} of {element.describe()}")
        if where == "text" and (tag not in {"ins", "del"} or attrs):
            found.append(f"element {element.describe()} in member text shown as text")
        if where == "markdown":
            for name in attrs:
                if name not in MEMBER_ATTRIBUTES:
                    found.append(f"attribute {name!r} in member content: {element.describe()}")
            if "id" in attrs and not attrs["id"].startswith(MEMBER_ID_PREFIXES):
                found.append(f"id that could shadow the page's own: {element.describe()}")
            if not set(attrs.get("class", "").split()) <= MEMBER_CLASSES:
                found.append(f"class in member content: {element.describe()}")
            if not set(attrs.get("rel", "").split()) <= MEMBER_RELS:
                found.append(f"rel in member content: {element.describe()}")
    if page.script_text:
        found.append(f"inline script text {page.script_text!r}")
    # Independent of the parser: every such tag opening in the raw text is an element seen above.
    raw = Counter(m.group(1).lower() for m in RAW_TAG.finditer(html))
    for tag, count in raw.items():
        if count != parsed[tag]:
            found.append(f"raw text opens <{tag} {count} times, the parser saw {parsed[tag]} elements")
    if baseline is not None:
        mine, theirs = _shape(page.elements), _baseline_shape(baseline)
        for key in sorted((mine - theirs).keys()):
            found.append(f"element not on the harmless page: <{key[0]} {' '.join(key[1])}> x{(mine - theirs)[key]}")
        for key in sorted((theirs - mine).keys()):
            found.append(f"element missing from the page: <{key[0]} {' '.join(key[1])}> x{(theirs - mine)[key]}")
    return found


def assert_safe(html: str, where: str, *, baseline: str | None = None, fragment: str | None = None) -> None:
    found = problems(html, baseline=baseline, fragment=fragment)
    assert not found, f"{where}:\n  " + "\n  ".join(found[:40])


def _get(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"GET {url}: {response.status_code}"
    return response.content.decode()


# --- The checker itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p><script>alert(1)</script></p>", "<script>"),
        ("<p><img src=x onerror=alert(1)></p>", "event handler attribute"),
        ('<p><a href=" java\tscript:alert(1)">x</a></p>', "javascript: URL"),
        ('<p><a href="data:text/html,x">x</a></p>', "data: URL"),
        ("<p><svg></svg></p>", "forbidden element"),
        ('<p style="color:red">x</p>', "attribute 'style'"),
        ('<h2 id="main">x</h2>', "id that could shadow"),
        ('<div hx-get="/x">x</div>', "attribute 'hx-get'"),
        ("<form action=/x><input name=password></form>", "in member content"),
        ("<p>x</p><!-- <script>alert(1)</script> -->", "raw text opens <script"),
    ],
)
def test_the_checker_notices_what_it_must(html, expected):
    assert any(expected in p for p in problems(html, fragment="markdown")), problems(html, fragment="markdown")


def test_the_checker_accepts_what_the_renderer_writes():
    body = (
        "# Heading\n\nText with [a link](https://example.org), <mailto:x@example.org>, an ![image](/x.png) "
        "and a footnote[^1].\n\n| a | b |\n| :-- | --: |\n| 1 | 2 |\n\n1. one\n2. two\n\n```\ncode\n```\n\n"
        "[^1]: The note."
    )
    assert problems(markdown.render(body), fragment="markdown") == []


def test_the_corpus_is_large_and_says_where_it_comes_from():
    assert CORPUS["count"] == len(PAYLOADS) >= 250
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    assert {p["source"] for p in CORPUS["payloads"]} == {"blns", "portal"}
    assert CORPUS["sources"]["blns"]["licence"] == "MIT"
    assert all("MIT License" in text for text in CORPUS["sources"]["blns"]["licence_text"])
    assert sum(p["section"] == "Script Injection" for p in CORPUS["payloads"]) > 200


# --- The renderer, one payload at a time ---------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload-{i}" for i in range(len(PAYLOADS))])
def test_rendered_markdown_is_safe(payload):
    html = markdown.render(payload)
    assert_safe(html, f"render({payload!r})", fragment="markdown")
    # What the template filter shows: the stored HTML, cleaned once more.
    assert_safe(markdown.sanitise(html), f"sanitise(render({payload!r}))", fragment="markdown")


# --- Document bodies ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _attachments_in_memory(settings: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}


@pytest.mark.parametrize("chunk", PREVIEW_CHUNKS, ids=[f"chunk-{i}" for i in range(len(PREVIEW_CHUNKS))])
def test_live_preview_of_each_payload_is_safe(chunk, acme_editor, client_for):
    client = client_for(acme_editor)
    for payload in chunk:
        response = client.post("/library/preview/", {"body": payload})
        assert response.status_code == 200
        assert_safe(response.content.decode(), f"preview of {payload!r}", fragment="markdown")


def _document(author: User, owner: Organisation, *bodies: str, **details: Any) -> Document:
    document = services.create_document(
        acting_user=author, owner=owner, title=details.pop("title", HARMLESS), body=bodies[0], **details
    )
    for number, body in enumerate(bodies[1:], start=1):
        services.save_revision(acting_user=author, document=document, body=body, base_number=number)
    return document


def _body_pages(client: Client, document: Document, mine: str) -> dict[str, str]:
    """Every page showing the document's text, and the edit conflict of someone editing revision 1."""
    pk = document.pk
    pages = {
        "detail": _get(client, f"/library/{pk}/"),
        "revision 2": _get(client, f"/library/{pk}/revisions/2/"),
        "revision 1": _get(client, f"/library/{pk}/revisions/1/"),
        "compare inline": _get(client, f"/library/{pk}/compare/?from=1&to=2"),
        "compare side by side": _get(client, f"/library/{pk}/compare/?from=1&to=2&mode=side"),
        "history": _get(client, f"/library/{pk}/history/"),
        "edit": _get(client, f"/library/{pk}/edit/"),
    }
    response = client.post(
        f"/library/{pk}/edit/",
        {"title": document.title, "summary": "", "kind": "policy", "language": "en", "body": mine, "base": 1},
    )
    assert response.status_code == 409, "expected the edit conflict page"
    pages["edit conflict"] = response.content.decode()
    return pages


@pytest.mark.parametrize("batch", BODY_BATCHES, ids=[f"batch-{i}" for i in range(len(BODY_BATCHES))])
def test_document_bodies_are_safe_on_every_page_showing_them(batch, acme, acme_editor, client_for):
    client = client_for(acme_editor)
    body = "\n\n".join(batch)
    mine = "\n\n".join(reversed(batch))
    harmless = _document(acme_editor, acme, "First text.", "Second text, longer.")
    document = _document(acme_editor, acme, "First text.", body)

    baseline = _body_pages(client, harmless, "Third text.")
    for page, html in _body_pages(client, document, mine).items():
        assert_safe(html, f"{page} of a document with {batch!r}", baseline=baseline[page])

    preview = client.post("/library/preview/", {"body": body}).content.decode()
    assert_safe(preview, f"preview of {batch!r}", fragment="markdown")


# --- Names and details shown escaped ----------------------------------------------------------


def _browser_file_name(name: str) -> str:
    # What a browser sends as a multipart file name (HTML's form-data encoding).
    return name.replace("\n", "%0A").replace("\r", "%0D").replace('"', "%22")


class _Unique:
    """Names unique where the model wants them (organisations ignore case), cut to the field's length."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, text: str, limit: int, n: int) -> str:
        name = text[:limit]
        if name.lower() in self.seen:
            name = f"{text[: limit - 8]} #{n}"
        self.seen.add(name.lower())
        return name


@dataclass
class World:
    """A chunk of payloads as everything members name. Each payload is an organisation's name, a
    person's name, a document's title and summary, a revision message, an attachment's name and,
    once added, a topic. The lists start with a harmless string: its pages are what the others'
    must look like."""

    texts: list[str]
    viewer: User
    organisations: list[Organisation]
    people: list[User]
    documents: list[Document]
    members: Organisation  # every person above is a member: its page lists them all
    shared: Document  # every topic, attachment and revision (by each person, with each message)


def _world(texts: list[str], viewer: User) -> World:
    org_name = _Unique()
    members = Organisation.objects.create(name="Members", slug="members", country="GB")
    Membership.objects.create(user=viewer, organisation=members, role=Role.ADMIN)
    organisations, people, documents = [], [], []
    for n, text in enumerate(texts):
        organisation = Organisation.objects.create(name=org_name(text, 200, n), slug=f"xss-{n}", country="GB")
        person = User.objects.create_user(f"person-{n}@example.org", "pw", name=text[:150])
        Membership.objects.create(user=viewer, organisation=organisation, role=Role.ADMIN)
        Membership.objects.create(user=person, organisation=organisation, role=Role.EDITOR)
        Membership.objects.create(user=person, organisation=members, role=Role.EDITOR)
        documents.append(
            services.create_document(acting_user=person, owner=organisation, title=text[:200], summary=text)
        )
        organisations.append(organisation)
        people.append(person)
    access.forget(viewer)
    shared = services.create_document(acting_user=viewer, owner=members, title=HARMLESS, body="0")
    for n, (person, text) in enumerate(zip(people, texts, strict=True), start=1):
        services.save_revision(acting_user=person, document=shared, body=str(n), base_number=n, message=text)
        services.grant(acting_user=viewer, document=shared, level="view", user=person)
        upload = ContentFile(PDF, name=text)  # the name as it is, not as a browser would send it
        services.add_attachment(acting_user=viewer, document=shared, upload=upload, max_bytes=10_000)
    return World(texts, viewer, organisations, people, documents, members, shared)


def _add_topics(world: World) -> None:
    # Added last: every edit page lists every topic, which is slow to render 50 times over.
    topic_name = _Unique()
    topics = [Topic.objects.create(name=topic_name(t, 80, n), slug=f"xss-{n}") for n, t in enumerate(world.texts)]
    world.shared.topics.set(topics)


def _neutralise(world: World) -> None:
    """Every name in the world replaced by a harmless one: the pages as they must look."""
    for n, organisation in enumerate(world.organisations):
        organisation.name = f"Organisation {n}"
    Organisation.objects.bulk_update(world.organisations, ["name"])
    for n, person in enumerate([*world.people, world.viewer]):
        person.name = f"Person {n}"
    User.objects.bulk_update([*world.people, world.viewer], ["name"])
    for n, document in enumerate(world.documents):
        document.title, document.summary = f"Document {n}", f"Summary {n}"
    Document.objects.bulk_update(world.documents, ["title", "summary"])
    for n, topic in enumerate(Topic.objects.all()):
        Topic.objects.filter(pk=topic.pk).update(name=f"Topic {n}")
    for n, attachment in enumerate(world.shared.attachments.all()):
        type(attachment).objects.filter(pk=attachment.pk).update(original_name=f"file-{n}.pdf")
    for revision in world.shared.revisions.all():
        type(revision).objects.filter(pk=revision.pk).update(message=f"Revision {revision.number}")


def _listing_pages(client: Client, world: World) -> dict[str, str]:
    """Pages naming every payload at once."""
    shared, members = world.shared.pk, world.members.slug
    last = world.shared.revisions.count()
    pages = {
        "home page": _get(client, "/"),
        "members' page": _get(client, f"/orgs/{members}/"),
        "shared document": _get(client, f"/library/{shared}/"),
        "its edit page": _get(client, f"/library/{shared}/edit/"),
        "its history": _get(client, f"/library/{shared}/history/"),
        "its last revision": _get(client, f"/library/{shared}/revisions/{last}/"),
        "its share page": _get(client, f"/library/{shared}/share/"),
    }
    for page in range(1, (len(world.documents) + 1) // 50 + 2):
        pages[f"library page {page}"] = _get(client, f"/library/?page={page}")
    return pages


def _shows(html: str, texts: Iterable[str], where: str) -> None:
    """The texts reached the page, escaped (so the checks above were about them)."""
    missing = [text for text in texts if escape(text) not in html]
    assert not missing, f"{where} does not show {missing!r}"


def _own_pages(world: World, n: int) -> dict[str, str]:
    """Pages of one payload, as its person sees them (their name is the payload too): their
    organisation's page and their document (title, summary), to read and to edit."""
    document, organisation = world.documents[n], world.organisations[n]
    client = Client()
    client.force_login(world.people[n], backend="django.contrib.auth.backends.ModelBackend")
    return {
        "document": _get(client, f"/library/{document.pk}/"),
        "edit page": _get(client, f"/library/{document.pk}/edit/"),
        "organisation page": _get(client, f"/orgs/{organisation.slug}/"),
    }


@pytest.mark.parametrize("chunk", FIELD_CHUNKS, ids=[f"chunk-{i}" for i in range(len(FIELD_CHUNKS))])
def test_names_titles_and_details_are_escaped_on_every_page(chunk, make_user, client_for):
    # The viewer administers every organisation, so sees every control and lists every name; their
    # own name (the account menu) is a payload too.
    viewer = make_user("viewer@example.org", name=chunk[0][:150])
    enrol_totp(viewer)
    world = _world([HARMLESS, *chunk], viewer)
    client = client_for(viewer)

    # Attachments as a browser uploads them: the file name is the payload.
    url = f"/library/{world.shared.pk}/attachments/"
    for text in chunk:
        client.post(url, {"file": ContentFile(PDF, name=_browser_file_name(text))})
    assert world.shared.attachments.count() == 2 * len(chunk) + 1
    # The confirmations ("... was attached.") name every file: shown once, on the next page.
    html = _get(client, "/")
    assert html.count(" was attached.") == len(chunk)
    assert_safe(html, "the page showing the upload messages")

    baseline = _own_pages(world, 0)
    for n, text in enumerate(chunk, start=1):
        pages = _own_pages(world, n)
        for page, html in pages.items():
            assert_safe(html, f"{page} for {text!r}", baseline=baseline[page])
        document, organisation = world.documents[n], world.organisations[n]
        _shows(pages["document"], [document.title, document.summary, organisation.name], "document page")
        _shows(pages["organisation page"], [organisation.name, world.people[n].name], "organisation page")

    _add_topics(world)
    shared = world.shared
    names = {
        "attachments": [a.original_name for a in shared.attachments.all()],
        "topics": [t.name for t in shared.topics.all()],
        "messages": [r.message for r in shared.revisions.all()],
        "people": [p.name for p in world.people],
        "organisations": [o.name for o in world.organisations],
    }
    # The home page (My work) lists recently viewed documents: open the shared one first, so that
    # both passes below see the same home page, with its title in the list.
    _get(client, f"/library/{shared.pk}/")
    listings = _listing_pages(client, world)
    _neutralise(world)
    harmless = _listing_pages(client, world)
    for page, html in listings.items():
        assert_safe(html, f"{page} listing {len(chunk)} payloads", baseline=harmless[page])
    _shows(listings["shared document"], names["attachments"] + names["topics"], "shared document")
    _shows(listings["its history"], names["messages"], "history")
    _shows(listings["members' page"], names["people"], "members' page")
    _shows(listings["home page"], names["organisations"], "home page")
