"""The demo coalition's organisations, people and communities (fictional), for `seed_demo`."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from coalition.audit.services import record
from coalition.organisations.models import Community, Membership, Organisation, Role

DEMO_PASSWORD = "coalition-demo-2026"  # noqa: S105 - documented demo password, demo data only

ORGANISATIONS = [
    # slug, name, kind, country, domains
    ("secretariat", "Coalition Secretariat", "secretariat", "GB", ["secretariat.example"]),
    ("northwind", "Northwind Social", "member", "US", ["northwind.example"]),
    ("bluepeak", "Bluepeak Video", "member", "IE", ["bluepeak.example"]),
    ("lumen", "Lumen Messaging", "member", "DE", ["lumen.example"]),
    ("harbor", "Harbor Cloud", "member", "SG", ["harbor.example"]),
    ("safenet", "SafeNet Alliance", "partner", "KE", ["safenet.example"]),
    ("childsafe", "Childsafe Research Institute", "partner", "BR", ["childsafe.example"]),
    ("ministry", "Ministry of Digital Affairs (observer)", "government", "AU", ["mda.example"]),
    ("fcpu", "Federal Child Protection Unit", "partner", "BE", ["fcpu.example"]),
    ("accessreview", "Independent Access Review Board", "partner", "NL", ["accessreview.example"]),
]

# The oversight body (designated by the secretariat) and its people with the oversight role: they
# see every event of the audit log, never content (they must use a second factor).
OVERSIGHT_BODY = "accessreview"
OVERSEERS = ["iris@accessreview.example", "pieter@accessreview.example"]

# The secretariat lets these publish public appeals (a law enforcement partner and itself).
APPEAL_PUBLISHERS = ["secretariat", "fcpu"]
# Tip handlers (they must use a second factor, like admins).
TIP_HANDLERS = ["ines@fcpu.example", "sofia@fcpu.example"]

PEOPLE = [
    # email, name, organisation slug, role, signatory
    ("amira@secretariat.example", "Amira Haddad", "secretariat", Role.ADMIN, False),
    ("tom@secretariat.example", "Tom Ellery", "secretariat", Role.EDITOR, False),
    ("nadia@northwind.example", "Nadia Okafor", "northwind", Role.ADMIN, True),
    ("owen@northwind.example", "Owen Price", "northwind", Role.EDITOR, False),
    ("priya@northwind.example", "Priya Raman", "northwind", Role.CONTRIBUTOR, False),
    ("leo@northwind.example", "Leo Martin", "northwind", Role.READER, False),
    ("sean@bluepeak.example", "Seán Byrne", "bluepeak", Role.ADMIN, False),
    ("maeve@bluepeak.example", "Maeve Kelly", "bluepeak", Role.EDITOR, True),
    ("cian@bluepeak.example", "Cian Walsh", "bluepeak", Role.READER, False),
    ("jonas@lumen.example", "Jonas Weber", "lumen", Role.ADMIN, True),
    ("lena@lumen.example", "Lena Fischer", "lumen", Role.CONTRIBUTOR, False),
    ("mei@harbor.example", "Mei Lin Tan", "harbor", Role.ADMIN, True),
    ("raj@harbor.example", "Raj Kumar", "harbor", Role.EDITOR, False),
    ("wanjiru@safenet.example", "Wanjiru Kamau", "safenet", Role.ADMIN, False),
    ("otieno@safenet.example", "Otieno Ouma", "safenet", Role.CONTRIBUTOR, False),
    ("ana@childsafe.example", "Ana Souza", "childsafe", Role.ADMIN, False),
    ("bruno@childsafe.example", "Bruno Lima", "childsafe", Role.READER, False),
    ("grace@mda.example", "Grace Nguyen", "ministry", Role.ADMIN, False),
    ("henry@mda.example", "Henry Clarke", "ministry", Role.READER, False),
    ("eva@lumen.example", "Eva Schulz", "lumen", Role.READER, False),
    ("ines@fcpu.example", "Inès Dubois", "fcpu", Role.ADMIN, False),
    ("marc@fcpu.example", "Marc Janssens", "fcpu", Role.EDITOR, False),
    ("sofia@fcpu.example", "Sofia Peeters", "fcpu", Role.EDITOR, False),
    ("iris@accessreview.example", "Iris de Vries", "accessreview", Role.ADMIN, False),
    ("pieter@accessreview.example", "Pieter Bakker", "accessreview", Role.READER, False),
]

COMMUNITIES = [
    (
        "all-members",
        "All members",
        "Every member company of the coalition.",
        ["northwind", "bluepeak", "lumen", "harbor"],
    ),
    (
        "research",
        "Research working group",
        "Members and partners working on research and measurement.",
        ["northwind", "lumen", "childsafe", "safenet"],
    ),
    (
        "policy-drafting",
        "Principles drafting group",
        "Organisations co-drafting the coalition's principles.",
        ["northwind", "bluepeak", "safenet", "secretariat"],
    ),
]


def seed_organisations() -> int:
    """Create what is missing; returns how many rows it created."""
    created = 0
    organisations: dict[str, Organisation] = {}
    for slug, name, kind, country, domains in ORGANISATIONS:
        organisation, made = Organisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "country": country,
                "email_domains": domains,
                "may_publish_appeals": slug in APPEAL_PUBLISHERS,
                "oversight_body": slug == OVERSIGHT_BODY,
            },
        )
        organisations[slug] = organisation
        created += made
    User = get_user_model()
    for email, name, slug, role, signatory in PEOPLE:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, DEMO_PASSWORD, name=name)
            EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
            created += 1
        _, made = Membership.objects.get_or_create(
            user=user,
            organisation=organisations[slug],
            defaults={
                "role": role,
                "signatory": signatory,
                "tip_handler": email in TIP_HANDLERS,
                "oversight": email in OVERSEERS,
            },
        )
        created += made
    for slug, name, description, members in COMMUNITIES:
        community, made = Community.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": description}
        )
        if made:
            community.organisations.set([organisations[m] for m in members])
            created += 1
    if created:
        record(action="demo.seeded", data={"rows_created": created})
    return created
