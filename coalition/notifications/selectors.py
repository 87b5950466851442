"""Reads for the notification pages and the navigation badge; a person only ever reads their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from coalition import access
from coalition.access import Action
from coalition.library.models import Document
from coalition.notifications.models import DEFAULT_MODE, Kind, Mode, Notification, Preference

PAGE_SIZE = 25


def shown_to(user: Any) -> QuerySet[Notification]:
    """The person's own notifications that they may still see listed: an item about a draft only
    while they still work on the document's current text (one filter, in the same query)."""
    return Notification.objects.filter(recipient=user).filter(
        Q(about_draft=False) | access.working_copy_condition(user, "document")
    )


def unread_count(user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return shown_to(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class InboxItem:
    notification: Notification
    # None when the person can no longer read the document: the page then names no title,
    # shows no excerpt and offers no link.
    title: str | None

    @property
    def readable(self) -> bool:
        return self.title is not None


@dataclass(frozen=True)
class Inbox:
    page: Page
    items: list[InboxItem]


def inbox(user: Any, *, unread_only: bool = False, page: Any = 1) -> Inbox:
    """One page of the user's notifications, newest first, in a fixed number of queries: the
    count, the page, and one access-filtered query for the titles of every document on it. Items
    about a draft the person no longer works on are left out (see shown_to)."""
    queryset = shown_to(user).select_related("actor").order_by("-created_at", "-id")
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    current = Paginator(queryset, PAGE_SIZE).get_page(page)
    notifications: list[Notification] = list(current.object_list)
    ids = {n.document_id for n in notifications}
    titles: dict[int, str] = {}
    if ids:
        titles = dict(
            access.visible(user, Document.objects.filter(pk__in=ids), Action.VIEW_DOCUMENT).values_list("pk", "title")
        )
    return Inbox(page=current, items=[InboxItem(n, titles.get(n.document_id)) for n in notifications])


def notification_of(user: Any, pk: int) -> Notification | None:
    """The user's own notification, or None (someone else's is as missing as a made-up id, and one
    about a draft the person no longer works on is as missing as in the list)."""
    return shown_to(user).filter(pk=pk).select_related("document").first()


@dataclass(frozen=True)
class PreferenceRow:
    kind: str
    label: str
    mode: str


def preferences_of(user: Any) -> list[PreferenceRow]:
    saved = dict(Preference.objects.filter(user=user).values_list("kind", "mode"))
    return [PreferenceRow(kind, str(label), saved.get(kind, DEFAULT_MODE)) for kind, label in Kind.choices]


MODES = Mode.choices
