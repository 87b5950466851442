"""Seeds two frameworks, paraphrased in our own words with a link to each source.

The Voluntary Principles to Counter Online Child Sexual Exploitation and Abuse (Five Country
governments, March 2020): 11 principles under 7 themes, as the published overview groups them.
eSafety's Safety by Design: 3 principles, with no themes above them.
"""

from typing import Any

from django.db import migrations

VOLUNTARY = {
    "slug": "voluntary-principles",
    "name": "Voluntary Principles to Counter Online Child Sexual Exploitation and Abuse",
    "short_name": "Voluntary Principles",
    "description": (
        "Eleven principles agreed by five governments with technology companies in 2020, covering known and "
        "new abuse material, grooming, livestreaming, search, children's safety, survivors and collaboration."
    ),
    "source_url": "https://www.gov.uk/government/publications/voluntary-principles-to-counter-online-child-sexual-exploitation-and-abuse",
    "order": 1,
    "themes": [
        (
            "1",
            "Prevent child sexual abuse material",
            [
                (
                    "P1",
                    "Known abuse material",
                    "Stop known child sexual abuse material from being shared or found on the "
                    "service, act on it under the terms of service and report it to the authorities.",
                ),
                (
                    "P2",
                    "New abuse material",
                    "Detect and counter previously unseen child sexual abuse material, act on it and report it.",
                ),
            ],
        ),
        (
            "2",
            "Target online grooming and preparatory behaviour",
            [
                (
                    "P3",
                    "Grooming and preparatory activity",
                    "Detect and counter grooming and other steps taken towards "
                    "abusing a child, act on them and report them.",
                ),
                (
                    "P4",
                    "Advertising and procuring children",
                    "Detect and counter the advertising, recruiting, soliciting "
                    "or procuring of children for abuse, and any organising of it; act and report.",
                ),
            ],
        ),
        (
            "3",
            "Target livestreaming",
            [
                (
                    "P5",
                    "Livestreamed abuse",
                    "Detect and counter the use of live video to abuse children, act on it and report it.",
                ),
            ],
        ),
        (
            "4",
            "Prevent searches from surfacing abuse",
            [
                (
                    "P6",
                    "Search and suggestions",
                    "Keep search results and automatic suggestions from leading to abuse material or activity.",
                ),
            ],
        ),
        (
            "5",
            "A specialised approach for children",
            [
                (
                    "P7",
                    "Extra protection for children",
                    "Add safety measures that protect children, in particular from "
                    "adults or peers seeking sexual contact, which may include knowing whether a user is a child.",
                ),
            ],
        ),
        (
            "6",
            "Victim and survivor consideration",
            [
                (
                    "P8",
                    "Survivors' reports",
                    "Act on material that survivors or others report, with clear ways to report "
                    "it and have it removed.",
                ),
            ],
        ),
        (
            "7",
            "Collaborate and respond to evolving threats",
            [
                (
                    "P9",
                    "A global, evolving response",
                    "Take an informed approach across countries that keeps up with how offenders change their methods.",
                ),
                (
                    "P10",
                    "Sharing expertise and tools",
                    "Share expertise, good practice, data and tools with others working "
                    "against this abuse, where the law allows.",
                ),
                (
                    "P11",
                    "Transparency",
                    "Regularly publish or share meaningful data and insight on the work against "
                    "child sexual exploitation and abuse.",
                ),
            ],
        ),
    ],
}

SAFETY_BY_DESIGN = {
    "slug": "safety-by-design",
    "name": "Safety by Design",
    "short_name": "Safety by Design",
    "description": (
        "Australia's eSafety Commissioner's three principles for building user safety into online services from "
        "the start."
    ),
    "source_url": "https://www.esafety.gov.au/industry/safety-by-design",
    "order": 2,
    "principles": [
        (
            "SbD1",
            "Service provider responsibility",
            "The provider, not the user, carries the burden of safety: "
            "harms are anticipated and designed out, and there are ways to act on them when they happen.",
        ),
        (
            "SbD2",
            "User empowerment and autonomy",
            "People keep their dignity and control: the service gives them "
            "tools, settings and information to protect themselves, suited to children where children use it.",
        ),
        (
            "SbD3",
            "Transparency and accountability",
            "The provider is open about how it keeps users safe, what its "
            "rules are and how well they work, and answers for it.",
        ),
    ],
}


def seed(apps: Any, schema_editor: Any) -> None:
    Framework = apps.get_model("principles", "Framework")
    Theme = apps.get_model("principles", "Theme")
    Principle = apps.get_model("principles", "Principle")
    order = 0
    for spec in (VOLUNTARY, SAFETY_BY_DESIGN):
        framework, _ = Framework.objects.get_or_create(
            slug=spec["slug"],
            defaults={k: spec[k] for k in ("name", "short_name", "description", "source_url", "order")},
        )
        for theme_order, (code, title, principles) in enumerate(spec.get("themes", []), start=1):
            theme, _ = Theme.objects.get_or_create(
                framework=framework, code=code, defaults={"title": title, "order": theme_order}
            )
            for p_code, p_title, text in principles:
                order += 1
                Principle.objects.get_or_create(
                    framework=framework,
                    code=p_code,
                    defaults={"theme": theme, "title": p_title, "text": text, "order": order},
                )
        for p_order, (p_code, p_title, text) in enumerate(spec.get("principles", []), start=1):
            Principle.objects.get_or_create(
                framework=framework, code=p_code, defaults={"title": p_title, "text": text, "order": p_order}
            )


class Migration(migrations.Migration):
    dependencies = [("principles", "0001_frameworks_principles_records")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
