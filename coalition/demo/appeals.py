"""Demo appeals: objects we describe ourselves, with pictures drawn here (never case material),
and tips in every triage state, for `seed_demo`."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth import get_user_model
from PIL import Image, ImageDraw

from coalition.appeals import services
from coalition.appeals.models import Appeal, Tip
from coalition.organisations.models import Organisation


def _towel() -> bytes:
    image = Image.new("RGB", (1200, 900), (246, 244, 238))
    draw = ImageDraw.Draw(image)
    for y in (180, 240, 640, 700):
        draw.rectangle([0, y, 1200, y + 34], fill=(38, 84, 160))
    for x in range(0, 1200, 24):
        draw.line([x, 860, x + 12, 900], fill=(200, 196, 186), width=3)
    draw.rectangle([520, 420, 680, 480], outline=(38, 84, 160), width=6)
    return _png(image)


def _bottle() -> bytes:
    image = Image.new("RGB", (900, 1200), (226, 232, 236))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([300, 300, 600, 1100], radius=70, fill=(120, 190, 170))
    draw.rectangle([390, 170, 510, 310], fill=(240, 240, 240))
    draw.rectangle([370, 120, 530, 190], fill=(210, 70, 60))
    draw.rectangle([330, 560, 570, 780], fill=(250, 250, 245))
    draw.ellipse([400, 600, 500, 700], outline=(210, 70, 60), width=10)
    return _png(image)


def _socket() -> bytes:
    image = Image.new("RGB", (1000, 1000), (235, 226, 210))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([250, 250, 750, 750], radius=60, fill=(250, 250, 250), outline=(180, 180, 180), width=8)
    draw.ellipse([340, 340, 660, 660], fill=(236, 236, 236), outline=(170, 170, 170), width=6)
    draw.ellipse([420, 470, 460, 510], fill=(60, 60, 60))
    draw.ellipse([540, 470, 580, 510], fill=(60, 60, 60))
    draw.rectangle([485, 350, 515, 380], fill=(190, 160, 60))
    return _png(image)


def _fabric() -> bytes:
    image = Image.new("RGB", (1200, 900), (250, 214, 224))
    draw = ImageDraw.Draw(image)
    for row, y in enumerate(range(30, 900, 90)):
        for x in range(30 + (row % 2) * 45, 1200, 90):
            draw.ellipse([x - 14, y - 14, x + 14, y + 14], fill=(255, 255, 255))
            draw.polygon([(x, y - 8), (x + 7, y + 6), (x - 7, y + 6)], fill=(240, 170, 40))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


APPEALS: list[dict[str, Any]] = [
    {
        "key": "towel",
        "status": Appeal.Status.OPEN,
        "object_type": "textile",
        "countries": ["BE", "NL", "FR"],
        "languages": ["nl", "fr"],
        "draw": _towel,
        "alt": "A white towel with two blue stripes near each end and a small woven square in the middle.",
        "texts": {
            "en": (
                "White hotel towel with blue stripes",
                "A white cotton towel with two blue stripes near each end and a small woven square. Towels like "
                "this are often used by hotels and guest houses.",
                ["Where have you seen towels like this?", "Do you know a hotel or guest house that uses them?"],
            ),
            "fr": (
                "Serviette d'hôtel blanche à rayures bleues",
                "Une serviette en coton blanc avec deux rayures bleues à chaque extrémité et un petit carré tissé.",
                ["Où avez-vous vu des serviettes comme celle-ci ?", "Connaissez-vous un hôtel qui les utilise ?"],
            ),
        },
    },
    {
        "key": "bottle",
        "status": Appeal.Status.OPEN,
        "object_type": "toiletry",
        "countries": ["DE", "AT"],
        "languages": ["de"],
        "draw": _bottle,
        "alt": "A green plastic bottle with a white cap, a red lid and a white label with a red circle.",
        "texts": {
            "en": (
                "Green shampoo bottle with a red lid",
                "A green plastic bottle of about 250 ml with a red flip lid and a white label showing a red circle.",
                ["Where is this product sold?", "What is its brand?"],
            ),
        },
    },
    {
        "key": "socket",
        "status": Appeal.Status.SOLVED,
        "object_type": "electrical",
        "countries": [],
        "languages": [],
        "draw": _socket,
        "alt": "A square white wall socket with two round holes and a small brass tab above them.",
        "texts": {
            "en": (
                "White wall socket with a brass tab",
                "A square white wall socket with two round holes and a small brass earthing tab.",
                ["Which country uses this socket?"],
            ),
        },
        "outcome": "Identified thanks to your information. Thank you.",
    },
    {
        "key": "fabric",
        "status": Appeal.Status.CLOSED,
        "object_type": "clothing",
        "countries": ["FR"],
        "languages": ["fr"],
        "draw": _fabric,
        "alt": "Pink fabric with white dots, each with a small yellow triangle.",
        "texts": {
            "en": (
                "Pink pyjama fabric with white dots",
                "Children's pyjamas in pink cotton with white dots, each holding a small yellow triangle.",
                ["Where were these pyjamas sold?"],
            ),
        },
        "outcome": "This appeal is closed.",
    },
    {
        "key": "draft",
        "status": Appeal.Status.DRAFT,
        "object_type": "packaging",
        "countries": ["BE"],
        "languages": ["nl"],
        "draw": None,
        "texts": {
            "en": (
                "Cereal box with a blue bear (draft)",
                "Being prepared: a cereal box with a blue bear on the front.",
                ["Where is this cereal sold?"],
            ),
        },
    },
]

TIPS = [
    # appeal key, answers, free text, contact, final status, forwarded to
    ("towel", ["A hotel near the station in Ghent had these in 2024."], "", "", Tip.Status.NEW, ""),
    ("towel", ["Sold by a wholesaler for guest houses."], "I saw them in a catalogue.", "", Tip.Status.USEFUL, ""),
    ("towel", ["Same as the hotel near the station."], "", "", Tip.Status.DUPLICATE, ""),
    ("towel", ["No idea, but good luck."], "", "", Tip.Status.NOT_USEFUL, ""),
    (
        "towel",
        ["A chain of guest houses on the coast uses them."],
        "See https://example.org/guesthouses for their pages.",
        "A phone number given by the sender",
        Tip.Status.FORWARDED,
        "Federal Police, Child Abuse Unit",
    ),
    ("bottle", ["Sold in drugstores in Bavaria.", "A local brand."], "", "", Tip.Status.CLOSED, ""),
    ("socket", ["This is a type E socket, used in Belgium and France."], "", "", Tip.Status.USEFUL, ""),
]


def seed_appeals(stdout: Any = None) -> int:
    """Create the demo appeals and tips once; returns how many appeals it created."""
    organisation = Organisation.objects.filter(slug="fcpu").first()
    if organisation is None or Appeal.objects.filter(organisation=organisation).exists():
        return 0
    User = get_user_model()
    editor = User.objects.get(email="marc@fcpu.example")
    handler = User.objects.get(email="sofia@fcpu.example")
    made: dict[str, Appeal] = {}
    for spec in APPEALS:
        title, description, questions = spec["texts"]["en"]
        appeal = services.create_appeal(
            acting_user=editor,
            organisation=organisation,
            object_type=spec["object_type"],
            countries=spec["countries"],
            languages=spec["languages"],
            language="en",
            title=title,
            description=description,
            questions=questions,
        )
        for language, (title, description, questions) in spec["texts"].items():
            if language != "en":
                services.save_text(
                    acting_user=editor,
                    appeal=appeal,
                    language=language,
                    title=title,
                    description=description,
                    questions=questions,
                )
        if spec["draw"] is not None:
            services.add_image(acting_user=editor, appeal=appeal, data=spec["draw"](), alt_text=spec["alt"])
            services.publish(acting_user=editor, appeal=appeal)
        made[spec["key"]] = appeal
    for key, answers, text, contact, status, forwarded_to in TIPS:
        appeal = made[key]
        questions = appeal.texts.get(language="en").questions
        tip, _receipt = services.submit_tip(
            appeal=appeal,
            language="en",
            answers=[{"question": q, "answer": a} for q, a in zip(questions, answers, strict=False)],
            text=text,
            contact=contact,
        )
        if status != Tip.Status.NEW:
            services.triage(acting_user=handler, tip=tip, status=status, forwarded_to=forwarded_to)
        if key == "towel" and status == Tip.Status.USEFUL:
            services.ask_sender(acting_user=handler, tip=tip, text="Which catalogue was it? Do you remember the year?")
            services.add_note(acting_user=handler, tip=tip, text="Check the wholesaler's 2024 catalogue.")
    for spec in APPEALS:
        if "outcome" in spec:
            services.end_appeal(
                acting_user=editor, appeal=made[spec["key"]], status=spec["status"], outcome_note=spec["outcome"]
            )
    if stdout is not None:
        stdout.write(f"Demo appeals: {len(made)} appeals, {len(TIPS)} tips.")
    return len(made)
