"""Errors services raise; views turn them into form errors or messages, never 500s."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ServiceError(ValidationError):
    """A rule refused the change; the message is written for the person who asked for it."""


class AccessDenied(Exception):
    """The acting user may not do this. Views answer 404 (the object is not theirs to know)."""
