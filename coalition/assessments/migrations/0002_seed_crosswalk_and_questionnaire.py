"""Seeds a crosswalk from the Voluntary Principles to Safety by Design and a self-assessment
questionnaire modelled on the structure of eSafety's Safety by Design assessment (its six areas),
every rationale and question written in our own words.

Relations read "the source principle is ... of the target". The Voluntary Principles are about
one harm, child sexual exploitation and abuse, where Safety by Design covers all online harms: so
no Voluntary Principle covers a whole Safety by Design principle, and every link is a subset or an
intersection (inferred results are at most "partially"). P10 (sharing expertise and tools) has no
counterpart and is left unmapped.
"""

from typing import Any

from django.db import migrations

CROSSWALK_LINKS = [
    (
        "P1",
        "SbD1",
        "subset",
        3,
        "Blocking known abuse material is one of the harms a provider must design out; SbD1 asks the same for every harm.",
    ),
    (
        "P2",
        "SbD1",
        "subset",
        3,
        "Detecting new abuse material is part of anticipating harm and acting on it, limited to one kind of harm.",
    ),
    (
        "P3",
        "SbD1",
        "subset",
        3,
        "Countering grooming is designing out one way the service can be misused against children.",
    ),
    (
        "P4",
        "SbD1",
        "subset",
        2,
        "Acting on the advertising and procuring of children is one part of a provider's duty to prevent misuse.",
    ),
    (
        "P5",
        "SbD1",
        "subset",
        2,
        "Livestreaming safeguards are a feature-level design choice that SbD1 expects for every risky feature.",
    ),
    (
        "P6",
        "SbD1",
        "subset",
        2,
        "Keeping search from surfacing abuse is harm prevention built into one part of the service.",
    ),
    (
        "P7",
        "SbD2",
        "intersect",
        2,
        "Child-specific protections overlap with giving users, children in particular, safety tools and settings; each also covers what the other does not.",
    ),
    (
        "P7",
        "SbD1",
        "intersect",
        1,
        "Knowing whether a user is a child and protecting them is partly a provider duty, partly a user setting.",
    ),
    (
        "P8",
        "SbD2",
        "intersect",
        3,
        "Clear ways to report material and have it removed are user tools; SbD2 is broader, P8 also covers acting on the reports.",
    ),
    (
        "P9",
        "SbD1",
        "intersect",
        1,
        "Keeping up with offenders' changing methods is part of anticipating harm, across countries; the overlap is partial.",
    ),
    (
        "P11",
        "SbD3",
        "subset",
        3,
        "Publishing data on the work against child sexual exploitation is part of being open about safety overall.",
    ),
]

# (title, intro, principles, [(question, help, [(choice, points or None)], depends on (question index, choice index) or None)])
SECTIONS = [
    (
        "Online harms",
        "How well you know the harms your service can be used for, children's in particular.",
        ["SbD1"],
        [
            (
                "Have you assessed which online harms your service could be used for?",
                "A written risk assessment that names harms and the features they use.",
                [("Yes, reviewed at least yearly", 2), ("Yes, once", 1), ("No", 0)],
                None,
            ),
            (
                "Does that assessment consider children as users, or as targets?",
                "",
                [("Yes, with specific measures for each risk", 2), ("Yes, in general terms", 1), ("No", 0)],
                (0, 0),
            ),
            (
                "Do you assess new features for harm before they launch?",
                "",
                [("Always, with sign-off", 2), ("Sometimes", 1), ("No", 0)],
                None,
            ),
        ],
    ),
    (
        "Internal policies",
        "Whether your rules and processes are written down, owned and known.",
        ["SbD1"],
        [
            (
                "Do you have written terms that prohibit child sexual exploitation and abuse?",
                "",
                [("Yes, with examples and consequences", 2), ("Yes, briefly", 1), ("No", 0)],
                None,
            ),
            (
                "Is there a named owner for child safety policy?",
                "",
                [("Yes, with a budget", 2), ("Yes", 1), ("No", 0)],
                None,
            ),
        ],
    ),
    (
        "Moderation, escalation and enforcement",
        "How reports and detections reach people who can act, and how quickly.",
        ["SbD1", "SbD2"],
        [
            (
                "Do you detect known abuse material automatically?",
                "Hash matching against lists from recognised bodies.",
                [("On all surfaces", 2), ("On some surfaces", 1), ("No", 0), ("We host no user content", None)],
                None,
            ),
            (
                "Is there an escalation path to law enforcement and hotlines?",
                "",
                [("Yes, documented and tested", 2), ("Yes, informal", 1), ("No", 0)],
                None,
            ),
            ("Do moderators get wellbeing support?", "", [("Yes, structured", 2), ("Some", 1), ("No", 0)], None),
        ],
    ),
    (
        "Structure and leadership",
        "Who is accountable for safety, and whether leadership sees the figures.",
        ["SbD1"],
        [
            (
                "Does a senior leader answer for user safety?",
                "",
                [("Yes, reporting to the board", 2), ("Yes", 1), ("No", 0)],
                None,
            ),
            ("Is safety part of product teams' goals?", "", [("Yes, measured", 2), ("Informally", 1), ("No", 0)], None),
        ],
    ),
    (
        "Transparency and accountability",
        "What you publish about your safety work and how people can hold you to it.",
        ["SbD3"],
        [
            (
                "Do you publish a transparency report?",
                "",
                [("Yes, at least yearly", 2), ("Occasionally", 1), ("No", 0)],
                None,
            ),
            (
                "Does it include figures on child sexual exploitation and abuse?",
                "",
                [("Yes, broken down", 2), ("Totals only", 1), ("No", 0)],
                (0, 0),
            ),
            (
                "Can users appeal a moderation decision?",
                "",
                [("Yes, with a reasoned answer", 2), ("Yes", 1), ("No", 0)],
                None,
            ),
        ],
    ),
    (
        "User empowerment",
        "The tools and information people have to protect themselves.",
        ["SbD2"],
        [
            (
                "Can users report content and accounts from where they see them?",
                "",
                [("Yes, everywhere, in a few steps", 2), ("In some places", 1), ("No", 0)],
                None,
            ),
            (
                "Are accounts of children private by default?",
                "",
                [("Yes", 2), ("Partly", 1), ("No", 0), ("Children cannot use our service", None)],
                None,
            ),
            (
                "Do you explain safety settings in plain language?",
                "",
                [("Yes, with guidance for parents and carers", 2), ("Yes", 1), ("No", 0)],
                None,
            ),
        ],
    ),
]


def seed(apps: Any, schema_editor: Any) -> None:
    Framework = apps.get_model("principles", "Framework")
    Principle = apps.get_model("principles", "Principle")
    Crosswalk = apps.get_model("assessments", "Crosswalk")
    CrosswalkLink = apps.get_model("assessments", "CrosswalkLink")
    Questionnaire = apps.get_model("assessments", "Questionnaire")
    Section = apps.get_model("assessments", "Section")
    Question = apps.get_model("assessments", "Question")
    Choice = apps.get_model("assessments", "Choice")
    source = Framework.objects.filter(slug="voluntary-principles").first()
    target = Framework.objects.filter(slug="safety-by-design").first()
    if source is None or target is None:
        return
    principles = {p.code: p for p in Principle.objects.filter(framework__in=[source, target])}
    crosswalk = Crosswalk.objects.create(
        name="Voluntary Principles to Safety by Design",
        slug="voluntary-principles-to-safety-by-design",
        source=source,
        target=target,
        description=(
            "The Voluntary Principles address one harm, child sexual exploitation and abuse; Safety by Design "
            "addresses all online harms. So each Voluntary Principle covers part of a Safety by Design principle, "
            "and results carried over are at most \u201cpartially\u201d. P10 has no counterpart."
        ),
    )
    for code_from, code_to, relation, strength, rationale in CROSSWALK_LINKS:
        CrosswalkLink.objects.create(
            crosswalk=crosswalk,
            source=principles[code_from],
            target=principles[code_to],
            relation=relation,
            strength=strength,
            rationale=rationale,
        )
    questionnaire = Questionnaire.objects.create(
        title="Safety by Design self-assessment",
        slug="safety-by-design",
        framework=target,
        source_url="https://www.esafety.gov.au/industry/safety-by-design/assessment-tools",
        description=(
            "Sixteen questions in six areas, following the structure of eSafety's Safety by Design assessment, "
            "in our own words. Your answers stay within your organisation unless you share them; the report "
            "shows where you stand per area and can propose results for your Safety by Design records."
        ),
    )
    for s_order, (title, intro, codes, questions) in enumerate(SECTIONS, start=1):
        section = Section.objects.create(questionnaire=questionnaire, order=s_order, title=title, intro=intro)
        made: list[tuple[Any, list[Any]]] = []
        for q_order, (text, help_text, choices, depends) in enumerate(questions, start=1):
            depends_on = made[depends[0]][1][depends[1]] if depends else None
            question = Question.objects.create(
                section=section, order=q_order, text=text, help=help_text, depends_on=depends_on
            )
            question.principles.set([principles[c] for c in codes])
            options = [
                Choice.objects.create(question=question, order=c_order, text=choice, points=points)
                for c_order, (choice, points) in enumerate(choices, start=1)
            ]
            made.append((question, options))


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0001_crosswalks_and_assessments"),
        ("principles", "0002_seed_voluntary_principles_and_safety_by_design"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
