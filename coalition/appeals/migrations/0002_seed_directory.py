"""A first directory for the reporting page: public services, described in our own words. The
secretariat keeps it up to date from then on (Secretariat → Hotlines and helplines)."""

from django.db import migrations

HOTLINE, CHILD, PREVENTION = "hotline", "child", "prevention"

ENTRIES = [
    # country, kind, name, url, phone, languages, accepts
    (
        "",
        HOTLINE,
        "INHOPE: find the hotline of your country",
        "https://www.inhope.org/EN",
        "",
        ["en"],
        "The international network of hotlines: its map lists the hotline of each member country.",
    ),
    (
        "GB",
        HOTLINE,
        "Internet Watch Foundation (IWF)",
        "https://report.iwf.org.uk/",
        "",
        ["en"],
        "Anonymous reports of child sexual abuse images and videos online.",
    ),
    (
        "US",
        HOTLINE,
        "NCMEC CyberTipline",
        "https://report.cybertip.org/",
        "1-800-843-5678",
        ["en", "es"],
        "Reports of online child sexual exploitation in the United States.",
    ),
    (
        "CA",
        HOTLINE,
        "Cybertip.ca",
        "https://www.cybertip.ca/",
        "",
        ["en", "fr"],
        "Canada's tipline for reporting the online sexual exploitation of children.",
    ),
    (
        "BE",
        HOTLINE,
        "Child Focus",
        "https://www.childfocus.be/",
        "116 000",
        ["fr", "nl", "en"],
        "Belgium's hotline for child sexual abuse material online and for missing and exploited children.",
    ),
    (
        "FR",
        HOTLINE,
        "Point de Contact",
        "https://www.pointdecontact.net/",
        "",
        ["fr"],
        "France's hotline for illegal content online, including child sexual abuse material.",
    ),
    (
        "NL",
        HOTLINE,
        "Offlimits",
        "https://www.offlimits.nl/",
        "",
        ["nl", "en"],
        "The Netherlands' hotline for child sexual abuse material online.",
    ),
    (
        "DE",
        HOTLINE,
        "Internet-Beschwerdestelle",
        "https://www.internet-beschwerdestelle.de/",
        "",
        ["de", "en"],
        "Germany's hotline (eco and FSM) for illegal content online.",
    ),
    (
        "AU",
        HOTLINE,
        "eSafety Commissioner",
        "https://www.esafety.gov.au/report",
        "",
        ["en"],
        "Australia's regulator takes reports of child sexual abuse material online.",
    ),
    (
        "",
        CHILD,
        "Child Helpline International: find a helpline",
        "https://childhelplineinternational.org/helplines/",
        "",
        ["en"],
        "A directory of free helplines for children and young people in most countries.",
    ),
    (
        "GB",
        CHILD,
        "Childline",
        "https://www.childline.org.uk/",
        "0800 1111",
        ["en"],
        "Free, confidential help for anyone under 19, by phone or online.",
    ),
    ("BE", CHILD, "Awel", "https://www.awel.be/", "102", ["nl"], "Free, anonymous listening line for young people."),
    (
        "BE",
        CHILD,
        "Écoute-Enfants",
        "https://www.103ecoute.be/",
        "103",
        ["fr"],
        "Free listening line for children and young people.",
    ),
    (
        "FR",
        CHILD,
        "Allô 119",
        "https://www.allo119.gouv.fr/",
        "119",
        ["fr"],
        "Free line for children in danger and for anyone worried about a child, day and night.",
    ),
    (
        "NL",
        CHILD,
        "De Kindertelefoon",
        "https://www.kindertelefoon.nl/",
        "0800 0432",
        ["nl"],
        "Free, anonymous chat and phone line for children.",
    ),
    (
        "DE",
        CHILD,
        "Nummer gegen Kummer",
        "https://www.nummergegenkummer.de/",
        "116 111",
        ["de"],
        "Free, anonymous phone and online help for children and young people.",
    ),
    (
        "US",
        CHILD,
        "Childhelp National Child Abuse Hotline",
        "https://www.childhelphotline.org/",
        "1-800-422-4453",
        ["en", "es"],
        "Help for children, and for adults worried about a child, around the clock.",
    ),
    (
        "CA",
        CHILD,
        "Kids Help Phone",
        "https://kidshelpphone.ca/",
        "1-800-668-6868",
        ["en", "fr"],
        "Free, confidential help for young people, by phone and text.",
    ),
    (
        "AU",
        CHILD,
        "Kids Helpline",
        "https://kidshelpline.com.au/",
        "1800 55 1800",
        ["en"],
        "Free, private counselling for young people aged 5 to 25.",
    ),
    (
        "",
        PREVENTION,
        "Troubled Desire",
        "https://troubled-desire.com/",
        "",
        ["en", "fr", "de", "nl", "es", "pt"],
        "Anonymous online self-help for people with sexual interest in children who want to stay safe.",
    ),
    (
        "GB",
        PREVENTION,
        "Stop It Now (UK and Ireland)",
        "https://www.stopitnow.org.uk/",
        "0808 1000 900",
        ["en"],
        "Confidential help for anyone worried about their own sexual thoughts or behaviour towards children.",
    ),
    (
        "IE",
        PREVENTION,
        "Stop It Now (UK and Ireland)",
        "https://www.stopitnow.org.uk/",
        "",
        ["en"],
        "Confidential help for anyone worried about their own sexual thoughts or behaviour towards children.",
    ),
    (
        "NL",
        PREVENTION,
        "Stop it Now Nederland",
        "https://stopitnow.nl/",
        "0800 266 6436",
        ["nl"],
        "Anonymous help for people worried about their own sexual feelings towards children.",
    ),
    (
        "BE",
        PREVENTION,
        "Stop it Now! Vlaanderen",
        "https://stopitnow.be/",
        "",
        ["nl"],
        "Anonymous help for people worried about their own sexual feelings towards children.",
    ),
    (
        "DE",
        PREVENTION,
        "Kein Täter werden",
        "https://www.kein-taeter-werden.de/",
        "",
        ["de"],
        "Free, confidential therapy for people who feel sexually drawn to children and do not want to offend.",
    ),
    (
        "US",
        PREVENTION,
        "Stop It Now (United States)",
        "https://www.stopitnow.org/",
        "1-888-773-8368",
        ["en"],
        "Confidential help for adults worried about their own or someone else's behaviour towards children.",
    ),
]


def seed(apps, schema_editor):
    Helpline = apps.get_model("appeals", "Helpline")
    if Helpline.objects.exists():
        return
    Helpline.objects.bulk_create(
        Helpline(country=c, kind=k, name=n, url=u, phone=p, languages=ls, accepts=a, order=i)
        for i, (c, k, n, u, p, ls, a) in enumerate(ENTRIES)
    )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
