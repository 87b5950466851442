"""Mileposts: the same sharing rules as records (audience x TLP, 404 for outsiders), only the
organisation's editors and admins write, bad input saves nothing, the list's query count is fixed."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from coalition.audit.models import AuditEvent
from coalition.core.errors import ServiceError
from coalition.principles import milepost_services
from coalition.principles.models import Milepost
from tests.principles.conftest import CASES, World, may_read, may_write
from tests.principles.test_access_matrix import VIEWERS, _refused

pytestmark = pytest.mark.django_db


def milepost_marker(milepost: Milepost) -> str:
    return f"MILEPOST-MARKER-{milepost.audience}-{milepost.tlp}-{milepost.pk}"


def make_mileposts(world: World) -> dict[tuple[str, str], Milepost]:
    """One Acme milepost per audience x label; every non-CLEAR one carries a secret marker."""
    made = {}
    for audience, tlp in CASES:
        item = milepost_services.save_milepost(
            acting_user=world.people["editor"],
            organisation=world.acme,
            category="detection",
            date=timezone.localdate(),
            text=f"Progress {audience} {tlp}",
            audience=audience,
            tlp=tlp,
            audience_organisations=[world.globex],
            audience_communities=[world.community],
        )
        if tlp != "clear":
            Milepost.objects.filter(pk=item.pk).update(text=milepost_marker(item))
            item.refresh_from_db()
        made[(audience, tlp)] = item
    return made


@pytest.mark.parametrize("viewer", VIEWERS)
def test_milepost_access_matrix(viewer: str, world: World, client_for: Callable[..., Any]) -> None:
    items = make_mileposts(world)
    client = client_for(world.people[viewer])
    listing = client.get(reverse("principles:mileposts"))
    assert listing.status_code == 200
    page = listing.content.decode()
    for (audience, tlp), item in items.items():
        shown = item.text in page
        assert shown == may_read(viewer, audience, tlp), (viewer, audience, tlp)
        edit = client.get(reverse("principles:milepost", args=[item.pk]))
        if may_write(viewer):
            assert edit.status_code == 200
        else:
            assert _refused(edit, viewer), (viewer, audience, tlp, edit.status_code)
    # Adding one: whoever is an editor or admin of some organisation (for that organisation).
    new = client.get(reverse("principles:milepost_new"))
    if viewer in ("admin", "editor", "named_org", "community_org", "other_org", "secretariat"):
        assert new.status_code == 200
    else:
        assert _refused(new, viewer)


def test_editor_adds_a_milepost_through_the_page_and_it_is_audited(
    world: World, client_for: Callable[..., Any]
) -> None:
    response = client_for(world.people["editor"]).post(
        reverse("principles:milepost_new"),
        {
            "organisation": world.acme.pk,
            "date": timezone.localdate().isoformat(),
            "category": "prevention",
            "text": "Rolled out the grooming classifier to all surfaces.",
            "tlp": "clear",
            "audience": "public",
        },
    )
    assert response.status_code == 302
    item = Milepost.objects.get()
    assert (item.audience, item.tlp, item.created_by) == ("public", "clear", world.people["editor"])
    event = AuditEvent.objects.get(action="milepost.created")
    assert "grooming" not in str(event.data)
    # A visitor sees it.
    assert "grooming classifier" in client_for(None).get(reverse("principles:mileposts")).content.decode()


def test_editor_cannot_write_for_another_organisation(world: World, client_for: Callable[..., Any]) -> None:
    response = client_for(world.people["editor"]).post(
        reverse("principles:milepost_new"),
        {
            "organisation": world.initech.pk,
            "date": timezone.localdate().isoformat(),
            "category": "prevention",
            "text": "Not ours.",
            "tlp": "amber_strict",
            "audience": "organisation",
        },
    )
    assert response.status_code == 400
    assert not Milepost.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"tlp": "amber", "audience": "public"}, "TLP:CLEAR"),
        ({"tlp": "red"}, "cannot be TLP:RED"),
        ({"date": timezone.localdate() + datetime.timedelta(days=2)}, "cannot be in the future"),
        ({"text": "   "}, "what was achieved"),
        ({"text": "x" * 281}, "at most 280"),
        ({"category": "gossip"}, "category"),
        ({"audience": "named"}, "Name at least one"),
    ],
)
def test_bad_milepost_input_gives_a_clear_error_and_saves_nothing(
    world: World, values: dict[str, Any], message: str
) -> None:
    arguments = {
        "category": "detection",
        "date": timezone.localdate(),
        "text": "Fine.",
        "audience": "organisation",
        "tlp": "amber_strict",
        **values,
    }
    with pytest.raises(ServiceError, match=message):
        milepost_services.save_milepost(acting_user=world.people["editor"], organisation=world.acme, **arguments)
    assert not Milepost.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="milepost.").exists()


def test_widening_a_milepost_is_audited_and_removal_needs_confirmation(
    world: World, client_for: Callable[..., Any]
) -> None:
    item = milepost_services.save_milepost(
        acting_user=world.people["editor"],
        organisation=world.acme,
        category="detection",
        date=timezone.localdate(),
        text="Hash matching on uploads.",
    )
    milepost_services.save_milepost(
        acting_user=world.people["editor"],
        organisation=world.acme,
        milepost=item,
        category="detection",
        date=item.date,
        text=item.text,
        audience="coalition",
        tlp="green",
    )
    event = AuditEvent.objects.get(action="milepost.updated")
    assert event.data["widened"] is True and event.data["after"]["audience"] == "coalition"
    client = client_for(world.people["admin"])
    url = reverse("principles:milepost_remove", args=[item.pk])
    assert "Remove this milepost?" in client.post(url).content.decode()
    assert Milepost.objects.filter(pk=item.pk).exists()
    assert client_for(world.people["reader"]).post(url, {"confirm": "yes"}).status_code == 404
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not Milepost.objects.filter(pk=item.pk).exists()


def test_milepost_list_query_count_does_not_grow(
    world: World, client_for: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    make_mileposts(world)
    client = client_for(world.people["named_org"])
    client.get(reverse("principles:mileposts"))
    with django_assert_max_num_queries(12) as before:
        client.get(reverse("principles:mileposts"))
    make_mileposts(world)
    make_mileposts(world)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(reverse("principles:mileposts"))
