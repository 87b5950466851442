"""Crosswalks between frameworks of principles, self-assessment questionnaires, and the provenance
of every result inferred from either. Kept beside coalition/principles (not in it) so that the two
evolve without touching each other's tables; access is decided in coalition/access/assessments.py.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coalition.core.models import TimeStampedModel
from coalition.library.models import TLP, Audience, Topic
from coalition.organisations.models import Community, Organisation
from coalition.principles.models import RECORD_TLPS, Framework, ImplementationRecord, Principle, RecordChange


class Relation(models.TextChoices):
    """How the source principle relates to the target principle (read: "source is ... of target")."""

    EQUAL = "equal", _("Equal: the two say the same")
    SUPERSET = "superset", _("Superset: the source covers all of the target and more")
    SUBSET = "subset", _("Subset: the source covers only part of the target")
    INTERSECT = "intersect", _("Intersect: the two overlap in part")


# Equal and superset cover the whole target: the source's result carries over. Subset and
# intersect cover part of it: at most "partially".
FULL_COVERAGE = frozenset({Relation.EQUAL, Relation.SUPERSET})


class Strength(models.IntegerChoices):
    WEAK = 1, _("Weak")
    MODERATE = 2, _("Moderate")
    STRONG = 3, _("Strong")


class Crosswalk(TimeStampedModel):
    """A mapping from one framework's principles onto another's, managed by the secretariat."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    source = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="crosswalks_from")
    target = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="crosswalks_to")
    description = models.TextField(max_length=2000, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="assessments_crosswalk_two_frameworks"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CrosswalkLink(models.Model):
    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.CASCADE, related_name="links")
    source = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(max_length=20, choices=Relation.choices)
    strength = models.PositiveSmallIntegerField(choices=Strength.choices, default=Strength.MODERATE)
    rationale = models.TextField(max_length=2000)

    class Meta:
        ordering = ["crosswalk", "source__order", "target__order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["crosswalk", "source", "target"], name="assessments_link_once_per_pair"),
            models.CheckConstraint(
                condition=Q(relation__in=["equal", "superset", "subset", "intersect"]),
                name="assessments_link_relation_valid",
            ),
            models.CheckConstraint(condition=Q(strength__gte=1, strength__lte=3), name="assessments_link_strength_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relation} {self.target_id}"

    @property
    def full(self) -> bool:
        return self.relation in FULL_COVERAGE


# --- Self-assessment --------------------------------------------------------------------------


class Questionnaire(TimeStampedModel):
    """A self-assessment: sections of multiple-choice questions whose choices score toward
    principles of one framework (the one "apply to my records" writes to).

    Versions of one questionnaire share its slug. A draft is edited freely; a published version is
    offered for new self-assessments; once a self-assessment answers a version, that version never
    changes again: editing it makes a new draft (a copy, `replaces` pointing back), and publishing
    the draft retires the version it replaces while its self-assessments keep pointing to it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    description = models.TextField(max_length=4000, blank=True)
    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="questionnaires")
    source_url = models.URLField(blank=True)
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["slug", "version"], name="assessments_questionnaire_slug_version"),
            # One version of a questionnaire is offered at a time.
            models.UniqueConstraint(
                fields=["slug"], condition=Q(status="published"), name="assessments_questionnaire_one_published"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "retired"]), name="assessments_questionnaire_status"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="assessments_questionnaire_version_1"),
        ]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    intro = models.TextField(max_length=2000, blank=True)
    # Library topics whose guidance the report suggests when the section scores low.
    topics = models.ManyToManyField(Topic, related_name="+", blank=True)

    class Meta:
        ordering = ["questionnaire", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "order"], name="assessments_section_order_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    help = models.TextField(max_length=1000, blank=True)
    principles = models.ManyToManyField(Principle, related_name="+", blank=True)
    # Asked only when this earlier choice was picked (None: always asked).
    depends_on = models.ForeignKey("Choice", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["section__order", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["section", "order"], name="assessments_question_order_once"),
        ]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=300)
    # Points toward the question's principles, out of MAX_POINTS; None: not applicable (not counted).
    points = models.PositiveSmallIntegerField(null=True, blank=True)

    MAX_POINTS = 2

    class Meta:
        ordering = ["question", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "order"], name="assessments_choice_order_once"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__lte=2), name="assessments_choice_points_0_2"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class SelfAssessment(TimeStampedModel):
    """One organisation's answers to a questionnaire for a reporting cycle. Private to the
    organisation by default (TLP:AMBER+STRICT), shared like an implementation record."""

    class State(models.TextChoices):
        DRAFT = "draft", _("In progress")
        COMPLETED = "completed", _("Completed")

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="assessments")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="self_assessments")
    cycle = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.ORGANISATION)
    audience_organisations = models.ManyToManyField(Organisation, related_name="+", blank=True)
    audience_communities = models.ManyToManyField(Community, related_name="+", blank=True)
    tlp = models.CharField("TLP label", max_length=20, choices=RECORD_TLPS, default=TLP.AMBER_STRICT)

    class Meta:
        ordering = ["-cycle", "questionnaire", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "organisation", "cycle"], name="assessments_one_per_org_cycle"
            ),
            models.CheckConstraint(condition=Q(cycle__gte=2000, cycle__lte=2100), name="assessments_cycle_year"),
            models.CheckConstraint(
                condition=Q(tlp__in=["clear", "green", "amber", "amber_strict"]), name="assessments_tlp_not_red"
            ),
            models.CheckConstraint(
                condition=~Q(audience="public") | Q(tlp="clear"), name="assessments_public_is_clear"
            ),
        ]
        indexes = [models.Index(fields=["organisation", "cycle"], name="assessments_org_cycle_idx")]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.questionnaire} · {self.cycle}"


class Answer(models.Model):
    assessment = models.ForeignKey(SelfAssessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    choice = models.ForeignKey(Choice, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(max_length=2000, blank=True)  # plain text, escaped where shown
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    answered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["question__section__order", "question__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "question"], name="assessments_one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.question_id}"


# --- Provenance --------------------------------------------------------------------------------


class Inference(models.Model):
    """Where an inferred result came from: one row per write of an inferred result to a record.
    The newest row of a record tells whether its result is still the inferred one (a person who
    changes the result afterwards owns it, and no inference overwrites it)."""

    class Kind(models.TextChoices):
        CROSSWALK = "crosswalk", _("Crosswalk")
        ASSESSMENT = "assessment", _("Self-assessment")

    record = models.ForeignKey(ImplementationRecord, on_delete=models.CASCADE, related_name="inferences")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    crosswalk = models.ForeignKey(Crosswalk, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    assessment = models.ForeignKey(
        SelfAssessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="inferences"
    )
    source_records = models.ManyToManyField(ImplementationRecord, related_name="+", blank=True)
    result = models.CharField(max_length=20)
    # The history row the write made: if it is still the record's last change to the result, the
    # result is the inferred one; otherwise a person changed it since.
    record_change = models.ForeignKey(RecordChange, on_delete=models.SET_NULL, null=True, related_name="+")
    # The paths that decided, e.g. [{"path": ["P1", "SbD1"], "relations": ["subset"], "from": "implemented",
    # "gives": "partially"}], or the assessment's score per principle.
    detail = models.JSONField(default=list)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-applied_at", "-id"]
        indexes = [models.Index(fields=["record", "-applied_at"], name="assessments_inference_rec_idx")]

    def __str__(self) -> str:
        return f"Inference for {self.record_id}"
