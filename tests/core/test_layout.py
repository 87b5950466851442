"""The frame every page shares (issue 10, "Layout"): the navigation's phone menu is a disclosure
that works without JavaScript, list tables carry a label per cell for their phone cards, allauth's
buttons take the portal's styles, and a document's title is shown once. How it looks is checked in
Chromium (tests/e2e/test_layout.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.template import Context, Origin, Template

from coalition.core.templatetags.portal import repeats_title
from coalition.library import services
from coalition.library.models import TLP, Audience

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("# Reporting principles\n\nText.", True),
        ("\n\n#   reporting PRINCIPLES  #\n", True),
        ("# Reporting principles, annotated\n", False),
        ("## Reporting principles\n", False),
        ("Intro.\n\n# Reporting principles\n", False),
        ("", False),
        (None, False),
    ],
)
def test_a_text_repeats_the_title_only_when_it_opens_with_it_as_a_first_level_heading(body, expected):
    assert repeats_title(body, "Reporting principles") is expected


def test_the_document_page_shows_its_title_once(client_for, acme_editor, acme):
    document = services.create_document(
        acting_user=acme_editor,
        owner=acme,
        title="Reporting principles",
        body="# Reporting principles\n\nMembers report within a day.\n",
        audience=Audience.COALITION,
        tlp=TLP.GREEN,
    )
    page = client_for(acme_editor).get(f"/library/{document.pk}/").content.decode()
    assert page.count("<h1>Reporting principles</h1>") == 1
    assert 'class="document-body repeats-title"' in page  # its own heading is hidden by portal.css


def test_the_navigation_folds_into_a_menu_disclosure_for_members_and_visitors(client_for, acme_editor):
    for client in (client_for(acme_editor), client_for(None)):
        page = client.get("/report/").content.decode()
        menu = re.search(
            r'<details class="nav-menu">\s*<summary>Menu.*?</summary>\s*<ul class="nav-links">', page, re.S
        )
        assert menu, "the navigation's links sit in the Menu disclosure"


def test_every_list_table_labels_its_cells_for_the_phone_cards():
    unlabelled = []
    for path in TEMPLATES.rglob("*.html"):
        for table in re.findall(r"<table\b.*?</table>", path.read_text(), re.S):
            if "matrix" in table[:60] or "library-table" in table[:60]:
                continue  # the matrix has its own phone layout, the library list its own cards
            if "stack-on-phone" not in table[:80] or ("<td" in table and "data-label" not in table):
                unlabelled.append(str(path.relative_to(TEMPLATES)))
    assert unlabelled == []


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ("danger,delete", ' class="danger"'),
        ("outline,cancel", ' class="secondary outline"'),
        ("prominent,login", ' class=""'),
    ],
)
def test_allauth_buttons_take_the_portal_styles(tags, expected):
    html = Template(
        '{% load allauth %}{% element button type="submit" tags=tags %}Go{% endelement %}',
        origin=Origin(name="test.html", template_name="test.html"),
    ).render(Context({"tags": tags}))
    tag = re.search(r"<button[^>]*>", html, re.S)
    assert tag and re.sub(r"\s+", " ", tag.group(0)).replace(" >", ">") == f'<button type="submit"{expected}>'
