"""The label and watermark every file taken out of the portal carries: the TLP label in capitals
first and last, and who took it out, from which organisation, when, under which export id. The
export id is also in the audit event, so a copy found elsewhere names its source. Shared by the
document exports, the disposition table's CSV and (issue 11) the matrix exports."""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from coalition import access
from coalition.library.models import TLP

# FIRST's TLP 2.0 colours: the label's text on a black background (AMBER+STRICT as AMBER).
TLP_COLOURS = {
    TLP.CLEAR: "#FFFFFF",
    TLP.GREEN: "#33FF00",
    TLP.AMBER: "#FFC000",
    TLP.AMBER_STRICT: "#FFC000",
    TLP.RED: "#FF2B2B",
}
# 9 random bytes: 12 URL-safe characters, short enough to read out from a leaked page, 72 bits
# that nobody guesses.
EXPORT_ID_BYTES = 9


def new_export_id() -> str:
    return secrets.token_urlsafe(EXPORT_ID_BYTES)


def _plain(text: str) -> str:
    """One line of text: a name with a line break or an escape sequence in it must not add a line
    of its own to a file (a fake label or watermark)."""
    return "".join(" " if unicodedata.category(c).startswith("C") else c for c in text).strip()


@dataclass(frozen=True)
class Stamp:
    tlp: str
    recipient_name: str
    recipient_email: str
    organisations: str
    at: datetime  # UTC
    export_id: str

    @property
    def label(self) -> str:
        """In capitals, as FIRST writes it: TLP:AMBER+STRICT."""
        return str(TLP(self.tlp).label).upper()

    @property
    def colour(self) -> str:
        return TLP_COLOURS[TLP(self.tlp)]

    @property
    def time(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} UTC"

    @property
    def watermark(self) -> str:
        return _("Exported for %(name)s <%(email)s> (%(organisations)s) on %(time)s; export %(export_id)s") % {
            "name": self.recipient_name,
            "email": self.recipient_email,
            "organisations": self.organisations,
            "time": self.time,
            "export_id": self.export_id,
        }

    def lines(self) -> list[str]:
        """What a text file starts with, and (reversed) ends with."""
        return [self.label, self.watermark]


def stamp_for(user: Any, tlp: str) -> Stamp:
    organisations = ", ".join(m.organisation_name for m in access.memberships_of(user))
    return Stamp(
        tlp=tlp,
        recipient_name=_plain(user.display_name),
        recipient_email=_plain(user.email),
        organisations=_plain(organisations) or _("no organisation"),
        at=timezone.now().astimezone(UTC),
        export_id=new_export_id(),
    )
