"""Names of the countries the directory and the appeals mention (ISO 3166-1 alpha-2)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NAMES = {
    "AU": _("Australia"),
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "CA": _("Canada"),
    "DE": _("Germany"),
    "DK": _("Denmark"),
    "ES": _("Spain"),
    "FI": _("Finland"),
    "FR": _("France"),
    "GB": _("United Kingdom"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "KE": _("Kenya"),
    "LU": _("Luxembourg"),
    "NL": _("Netherlands"),
    "NO": _("Norway"),
    "NZ": _("New Zealand"),
    "PL": _("Poland"),
    "PT": _("Portugal"),
    "SE": _("Sweden"),
    "US": _("United States"),
}


def name_of(code: str) -> str:
    return str(NAMES.get(code, code))
