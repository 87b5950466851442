"""Demo implementation records: every member company reports on the Voluntary Principles for the
last two cycles (and some on Safety by Design), with varied sharing, for `seed_demo`. Written
through the services, so the history and the audit log are as real use leaves them."""

from __future__ import annotations

import zlib
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from coalition.organisations.models import Community, Organisation
from coalition.principles import services
from coalition.principles.models import Framework, ImplementationRecord, Result, Status

# Who reports for each member (an admin or editor of it).
REPORTERS = {
    "northwind": "nadia@northwind.example",
    "bluepeak": "sean@bluepeak.example",
    "lumen": "jonas@lumen.example",
    "harbor": "mei@harbor.example",
}
RESULTS = [Result.IMPLEMENTED, Result.IMPLEMENTED, Result.PARTIALLY, Result.NOT_IMPLEMENTED, Result.NOT_APPLICABLE]
EVIDENCE = {
    Result.IMPLEMENTED: "Runs across all surfaces. See our policy in the library and the quarterly review notes.",
    Result.PARTIALLY: "Live on **public** surfaces; private messaging follows next cycle.",
    Result.NOT_IMPLEMENTED: "Planned; owner named, budget requested.",
    Result.NOT_APPLICABLE: "We offer no such feature (no livestreaming, no search).",
}


def _result(slug: str, code: str, cycle: int) -> Result:
    # Deterministic and varied: the same demo every time, later cycles a little further along.
    index = zlib.crc32(f"{slug}:{code}".encode()) % len(RESULTS)
    if cycle == timezone.localdate().year and RESULTS[index] == Result.NOT_IMPLEMENTED:
        return Result.PARTIALLY
    return RESULTS[index]


def _sharing(slug: str, code: str, cycle: int, communities: dict[str, Community]) -> dict[str, Any]:
    """Each member shares differently, and differently from one cycle to the next."""
    latest = cycle == timezone.localdate().year
    if slug == "northwind":
        if latest and code in ("P1", "P11", "SbD3"):
            return {"audience": "public", "tlp": "clear"}
        return {"audience": "coalition", "tlp": "green"} if not latest else {"audience": "organisation", "tlp": "amber"}
    if slug == "bluepeak":
        if latest and code == "P1":  # with Northwind and Lumen: a public figure above the threshold
            return {"audience": "public", "tlp": "clear"}
        if latest and code in ("P2", "P3", "P4"):
            return {"audience": "coalition", "tlp": "green"}
        return {"audience": "named", "tlp": "amber", "audience_communities": [communities["all-members"]]}
    if slug == "lumen":
        if latest and code in ("P1", "P6", "P11"):
            return {"audience": "public", "tlp": "clear"}
        if latest:
            return {"audience": "named", "tlp": "amber", "audience_communities": [communities["research"]]}
        return {"audience": "organisation", "tlp": "amber_strict"}
    # harbor: the coalition sees last cycle; this one is still in progress and private.
    return {"audience": "organisation", "tlp": "amber_strict"} if latest else {"audience": "coalition", "tlp": "amber"}


def seed_principles(*, stdout: Any = None) -> int:
    """Returns how many records were created."""
    year = timezone.localdate().year
    users = get_user_model().objects
    communities = {c.slug: c for c in Community.objects.filter(slug__in=["all-members", "research"])}
    if len(communities) < 2:
        return 0
    frameworks = {f.slug: f for f in Framework.objects.filter(slug__in=["voluntary-principles", "safety-by-design"])}
    before = ImplementationRecord.objects.count()
    for slug, email in REPORTERS.items():
        organisation = Organisation.objects.filter(slug=slug).first()
        reporter = users.filter(email=email).first()
        if organisation is None or reporter is None:
            continue
        for cycle in (year - 1, year):
            chosen = ["voluntary-principles"] + (["safety-by-design"] if slug in ("northwind", "lumen") else [])
            for framework_slug in chosen:
                for principle in frameworks[framework_slug].principles.filter(retired_on__isnull=True):
                    result = _result(slug, principle.code, cycle)
                    latest = cycle == year
                    record = services.save_record(
                        acting_user=reporter,
                        organisation=organisation,
                        principle=principle,
                        cycle=cycle,
                        status=Status.IN_PROGRESS if latest and slug == "harbor" else Status.DONE,
                        result=result,
                        maturity=min(4, 1 + zlib.crc32(principle.code.encode()) % 3 + (0 if latest else -1)),
                        evidence=EVIDENCE.get(result, ""),
                        owner=reporter,
                    )
                    services.share_record(
                        acting_user=reporter, record=record, **_sharing(slug, principle.code, cycle, communities)
                    )
    created = ImplementationRecord.objects.count() - before
    if stdout is not None:
        stdout.write(f"Principles: {created} new implementation records.")
    return created
