"""Data and invariants of a systematic review's case coding.

The codebook is data (sections, attributes, options), versioned per review:
a coding points at the codebook version it was made under, so a new version
never orphans old codings. Coders' raw codings and the consensus are separate
tables; adjudication writes consensus values and their revisions, never the
raw codings.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coding.documents.storage import get_documents_storage
from coding.regions import Region


class ReviewQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def for_member(self, user):
        return self.filter(memberships__user=user).distinct()


class ResolutionMode(models.TextChoices):
    ADJUDICATOR = "adjudicator", _("An adjudicator decides")
    DISCUSSION = "discussion", _("The two coders discuss first")


class Review(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(
        default=False, help_text=_("Published reviews show their consensus data to the public.")
    )
    resolution_mode = models.CharField(
        max_length=12, choices=ResolutionMode.choices, default=ResolutionMode.ADJUDICATOR,
        help_text=_("How disagreements are settled: by an adjudicator, or first by the two "
        "coders discussing them (an adjudicator decides what they escalate)."),
    )
    # Krippendorff's smallest acceptable alpha ("tentative" above it) and the alpha of a
    # reliable variable; the reliability verdicts read them (coding/reliability/verdicts.py).
    reliability_minimum = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.667"), editable=False,
        help_text=_("Smallest acceptable Krippendorff's alpha (verdict 'tentative' above it)."),
    )
    reliability_target = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.800"), editable=False,
        help_text=_("Krippendorff's alpha of a reliable variable (verdict 'reliable' above it)."),
    )
    # Where the review's data depart from the publication it comes from, shown to readers on
    # the dashboard and the gallery: {"text": "...", "charts": {chart id: note}} (a chart's
    # note replaces the dashboard's own). load_coproduction sets the bundled review's from
    # fixtures/coproduction_note.json.
    source_note = models.JSONField(
        default=dict, blank=True,
        help_text=_('How the data relate to the source publication: {"text": ..., "charts": '
        '{chart id: note}}; shown to readers.'),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped (coding.reviews.services.review_data_changed) in the transaction of every change
    # a reader can see; cached reader data is keyed by it (coding.public.cache).
    data_version = models.PositiveBigIntegerField(
        default=1, editable=False,
        help_text=_("Changes whenever anything readers see changes; keys the cached dashboard."),
    )
    # Bumped (coding.reliability.services.reliability_changed) in the transaction of every
    # change to what the reliability figures or coder drift are computed from; a snapshot
    # records the value it was computed at, so a page or a status poll reads this one row.
    reliability_version = models.PositiveBigIntegerField(
        default=1, editable=False,
        help_text=_("Changes whenever the reliability figures or coder drift may change."),
    )

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, **kwargs):
        # data_version and reliability_version are written only by their services' atomic
        # UPDATEs: saving an instance read before a bump must not set a version back (a cached
        # entry or a snapshot of the older version would then be served as current again).
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in ("data_version", "reliability_version")
            ]
        super().save(**kwargs)

    def get_absolute_url(self) -> str:
        return reverse("coding:gallery", args=[self.slug])

    def current_codebook(self) -> "Codebook | None":
        return self.codebooks.order_by("-version").first()


class Role(models.TextChoices):
    LEAD = "lead", _("Review lead")
    CODER = "coder", _("Coder")
    ADJUDICATOR = "adjudicator", _("Adjudicator")


class Membership(models.Model):
    """One role of one person in one review; a person may hold several roles."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "user", "role"], name="membership_unique_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.review}"


class Codebook(models.Model):
    """One version of a review's codebook. The highest version is the current one."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="codebooks")
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=300)
    # The codebook's source language (a code of settings.LANGUAGES): the language of every
    # `label`, `help_text` and `title` column below; other languages are in `translations`.
    language = models.CharField(
        max_length=10, default="en",
        help_text=_("Language of the labels; the codebook's translations are in other "
                    "languages."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["review", "version"], name="codebook_unique_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="codebook_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Section(models.Model):
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=200)
    # The wording in languages other than the codebook's source language:
    # {"title": {"es": "...", "zh-hans": "..."}} (coding.reviews.languages reads it).
    translations = models.JSONField(
        default=dict, blank=True,
        help_text=_("The wording in the codebook's other languages: {field: {language: "
                    "text}}."),
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["codebook", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["codebook", "title"], name="section_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title


class AttributeKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTI = "multi", _("Multiple choice")
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Yes / no")


CHOICE_KINDS = (AttributeKind.SINGLE, AttributeKind.MULTI)


class MeasurementLevel(models.TextChoices):
    """Krippendorff's levels of measurement: which distance reliability uses."""

    NOMINAL = "nominal", _("Nominal")
    ORDINAL = "ordinal", _("Ordinal (the options' order is the scale)")
    INTERVAL = "interval", _("Interval")
    RATIO = "ratio", _("Ratio")


# The levels each kind allows; the first is the default. Text has no level (no categories).
LEVELS_BY_KIND = {
    AttributeKind.SINGLE: ("nominal", "ordinal"),
    AttributeKind.MULTI: ("nominal",),
    AttributeKind.BOOLEAN: ("nominal",),
    AttributeKind.NUMBER: ("interval", "ratio", "ordinal", "nominal"),
    AttributeKind.TEXT: ("",),
}

ATTRIBUTE_KEY_VALIDATOR = RegexValidator(
    r"^[-A-Za-z0-9_]+\Z", "Use only letters, digits, '-' and '_'."
)
OPTION_KEY_VALIDATOR = RegexValidator(
    r"^[^;\s](?:[^;]*[^;\s])?\Z", "No ';' and no spaces at either end."
)


class AttributeQuerySet(models.QuerySet):
    def choices(self):
        return self.filter(kind__in=CHOICE_KINDS)


class Attribute(models.Model):
    # codebook is also reachable through section; it is stored here so that
    # attribute keys can be unique per codebook version in the database.
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="attributes")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="attributes")
    key = models.CharField(
        max_length=80,
        validators=[ATTRIBUTE_KEY_VALIDATOR],
        help_text=_("Letters, digits, '-' and '_' (it appears in URLs and CSV headers)."),
    )
    label = models.CharField(max_length=200)
    help_text = models.TextField(blank=True)
    # The wording in languages other than the codebook's source language:
    # {"label": {"es": "...", "zh-hans": "..."}, "help": {...}} (coding.reviews.languages reads it).
    translations = models.JSONField(
        default=dict, blank=True,
        help_text=_("The wording in the codebook's other languages: {field: {language: "
                    "text}}."),
    )
    kind = models.CharField(max_length=10, choices=AttributeKind.choices)
    required = models.BooleanField(default=False)
    level = models.CharField(
        max_length=10, choices=MeasurementLevel.choices, blank=True, default="nominal",
        help_text=_("Level of measurement for reliability (empty for text)."),
    )
    order = models.PositiveIntegerField(default=0)

    objects = AttributeQuerySet.as_manager()

    class Meta:
        ordering = ["section__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["codebook", "key"], name="attribute_unique_key"),
            models.CheckConstraint(
                condition=Q(kind__in=AttributeKind.values), name="attribute_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    @property
    def none_option(self) -> "Option | None":
        """The explicit "none of these" option of a multiple-choice attribute, if the
        codebook declares one (uses prefetched options)."""
        if self.kind != AttributeKind.MULTI or self.pk is None:
            return None
        return next((o for o in self.options.all() if o.is_none), None)

    @property
    def none_key(self) -> str | None:
        option = self.none_option
        return option.key if option else None


class Option(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="options")
    # Any text but ';', which separates several options in CSV files.
    key = models.CharField(max_length=80, validators=[OPTION_KEY_VALIDATOR])
    label = models.CharField(max_length=200)
    # The wording in languages other than the codebook's source language:
    # {"label": {"es": "...", "zh-hans": "..."}} (coding.reviews.languages reads it).
    translations = models.JSONField(
        default=dict, blank=True,
        help_text=_("The wording in the codebook's other languages: {field: {language: "
                    "text}}."),
    )
    order = models.PositiveIntegerField(default=0)
    # The codebook's `none_option`: choosing it says the source reports none of the other
    # options, which is a category of its own, while an untouched attribute is "not coded".
    is_none = models.BooleanField(
        default=False,
        help_text=_("The explicit 'none of these' choice of a multiple-choice attribute; it "
        "excludes the other options."),
    )

    class Meta:
        ordering = ["attribute", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "key"], name="option_unique_key"),
            models.UniqueConstraint(
                fields=["attribute"], condition=Q(is_none=True), name="option_one_none_option"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class ServiceArea(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(review__is_published=True)

    def consensus_complete(self):
        return self.filter(consensus_complete=True)


class Case(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="cases")
    number = models.CharField(
        max_length=20, help_text=_('As printed in the review, e.g. "1" or "K01".')
    )
    # Numeric part of `number`, kept for natural ordering (2 before 10).
    sort_key = models.PositiveIntegerField(default=0, editable=False)
    title = models.CharField(max_length=500)
    country = models.CharField(max_length=100)
    region = models.CharField(
        max_length=20, choices=Region.choices, blank=True, help_text=_("Derived from the country.")
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Empty: unknown."))
    service_areas = models.ManyToManyField(ServiceArea, related_name="cases")
    summary = models.TextField(blank=True)
    source = models.TextField(blank=True, help_text=_("Reference or URL."))
    # Kept by coding.adjudication.services.case_consensus_refresh from the rule in
    # coding.public.policies.consensus_is_public, so reader pages filter on one column.
    consensus_complete = models.BooleanField(
        default=False, editable=False,
        help_text=_("Both codings submitted and no disagreement open: readers see its consensus."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["review", "sort_key", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="case_unique_number"),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1800, year__lte=2100),
                name="case_year_plausible",
            ),
        ]
        indexes = [
            # The gallery's default order, so its first page needs no sort of every case.
            models.Index(fields=["review", "sort_key", "number"]),
            models.Index(fields=["review", "country"]),
            models.Index(fields=["review", "year"]),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("coding:case_detail", args=[self.review.slug, self.number])


class Assignment(models.Model):
    """A coder assigned to code a case. Each case gets two."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["case", "coder"], name="assignment_unique_coder"),
        ]

    def __str__(self) -> str:
        return f"{self.coder} → {self.case}"


class CodingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class CodingQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(status=CodingStatus.SUBMITTED)


class Coding(models.Model):
    """One coder's coding of one case. `version` increases on every save, for conflict checks."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codings"
    )
    codebook = models.ForeignKey(Codebook, on_delete=models.PROTECT, related_name="codings")
    status = models.CharField(
        max_length=10, choices=CodingStatus.choices, default=CodingStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = CodingQuerySet.as_manager()

    class Meta:
        ordering = ["case", "coder__username"]
        constraints = [
            models.UniqueConstraint(fields=["case", "coder"], name="coding_one_per_coder"),
            models.CheckConstraint(
                condition=Q(status__in=CodingStatus.values), name="coding_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=CodingStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="coding_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coder} on {self.case} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == CodingStatus.SUBMITTED


class ValueFields(models.Model):
    """What one attribute's value holds, for a coder's value and for the consensus alike."""

    # Chosen options live on the concrete models (options M2M), one per table.
    text = models.TextField(blank=True)
    number = models.FloatField(null=True, blank=True)
    boolean = models.BooleanField(null=True, blank=True)
    evidence = models.TextField(blank=True, help_text=_("A quote from the case text."))
    # Where each quote of the evidence is in the case's documents: W3C Web Annotation
    # selectors, see coding.values.anchors_check.
    evidence_anchors = models.JSONField(
        default=list, blank=True,
        help_text=_("Per quote: document id, page, exact/prefix/suffix (TextQuoteSelector), "
        "start/end (TextPositionSelector in the page's or document's text)."),
    )
    note = models.TextField(blank=True)

    class Meta:
        abstract = True


class CodedValue(ValueFields):
    coding = models.ForeignKey(Coding, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="coded_values")
    options = models.ManyToManyField(Option, blank=True, related_name="coded_values")

    class Meta:
        ordering = ["coding", "attribute__section__order", "attribute__order"]
        constraints = [
            models.UniqueConstraint(fields=["coding", "attribute"], name="codedvalue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute.key} of {self.coding}"


class ConsensusMethod(models.TextChoices):
    AGREED = "agreed", _("Agreed by both coders")
    ADJUDICATED = "adjudicated", _("Adjudicated")
    DISCUSSION = "discussion", _("Agreed after discussion")


class ConsensusValue(ValueFields):
    """The review's settled value of one attribute for one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="consensus_values")
    attribute = models.ForeignKey(
        Attribute, on_delete=models.CASCADE, related_name="consensus_values"
    )
    options = models.ManyToManyField(Option, blank=True, related_name="consensus_values")
    method = models.CharField(max_length=12, choices=ConsensusMethod.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consensus_decisions",
    )
    decided_at = models.DateTimeField()
    rationale = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["case", "attribute__section__order", "attribute__order"]
        constraints = [
            models.UniqueConstraint(fields=["case", "attribute"], name="consensus_unique"),
            models.CheckConstraint(
                condition=Q(method__in=ConsensusMethod.values), name="consensus_method_valid"
            ),
            # An adjudicated or discussed value always names who decided and why.
            models.CheckConstraint(
                condition=Q(method=ConsensusMethod.AGREED)
                | (Q(decided_by__isnull=False) & ~Q(rationale="")),
                name="consensus_adjudicated_has_rationale",
            ),
        ]
        indexes = [models.Index(fields=["attribute", "case"])]

    def __str__(self) -> str:
        return f"{self.attribute.key} of {self.case} ({self.method})"


class DisagreementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Disagreement(models.Model):
    """Two assigned coders' submitted codings differ on one attribute of one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="disagreements")
    attribute = models.ForeignKey(
        Attribute, on_delete=models.CASCADE, related_name="disagreements"
    )
    coding_a = models.ForeignKey(Coding, on_delete=models.CASCADE, related_name="+")
    coding_b = models.ForeignKey(Coding, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=DisagreementStatus.choices, default=DisagreementStatus.OPEN
    )
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Discussion mode: a coder handed the disagreement to an adjudicator.
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["case", "attribute__section__order", "attribute__order"]
        constraints = [
            models.UniqueConstraint(fields=["case", "attribute"], name="disagreement_unique"),
            models.CheckConstraint(
                condition=~Q(coding_a=models.F("coding_b")), name="disagreement_two_codings"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DisagreementStatus.values),
                name="disagreement_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.attribute.key} of {self.case} ({self.status})"


class DisagreementComment(models.Model):
    """One message of a disagreement's thread; a proposal when it carries a value."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(blank=True)
    # The proposed value as coding.values.value_json gives it (None: a plain comment).
    proposal = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["disagreement", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(body="") | Q(proposal__isnull=False),
                name="disagreementcomment_says_something",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment on {self.disagreement}"

    @property
    def is_proposal(self) -> bool:
        return self.proposal is not None


class DisagreementAcceptance(models.Model):
    """Which proposal of the thread a coder accepts now (their own latest, or the other's)."""

    disagreement = models.ForeignKey(
        Disagreement, on_delete=models.CASCADE, related_name="acceptances"
    )
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    proposal = models.ForeignKey(
        DisagreementComment, on_delete=models.CASCADE, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["disagreement", "accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["disagreement", "coder"], name="disagreementacceptance_one_per_coder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coder} accepts {self.proposal_id}"


class ConsensusRevision(models.Model):
    """Every change of a consensus value: who, when, before, after, why."""

    consensus = models.ForeignKey(
        ConsensusValue, on_delete=models.CASCADE, related_name="revisions"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    method = models.CharField(max_length=12, choices=ConsensusMethod.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["consensus", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.consensus} changed {self.changed_at:%Y-%m-%d %H:%M}"


class AuditEvent(models.Model):
    """Append-only record of changes to codings, consensus values and memberships."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["review", "-created_at"]),
            # An object's latest event (every autosave asks it: audit_record_draft_save).
            models.Index(
                fields=["object_type", "object_id", "-created_at", "-id"],
                name="audit_object_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}"


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        """Neither accepted nor revoked (an expired invitation is still pending: it can be
        sent again)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An invitation by e-mail to join a review with some roles. The link in the mail is
    signed (coding.members.services) and works once, until `expires_at`."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(help_text=_("Stored in lower case."))
    roles = models.JSONField(default=list, help_text=_('Role names, e.g. ["coder"].'))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    # Part of the signed link; replaced when the invitation is sent again, so that only
    # the newest link works.
    nonce = models.CharField(max_length=32)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["review", "-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_pending_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.review}"


# Issue 11: documents (full texts) per case. Rules live in coding/documents/.


class DocumentType(models.TextChoices):
    PDF = "application/pdf", _("PDF")
    HTML = "text/html", _("HTML")
    TEXT = "text/plain", _("Plain text")
    MARKDOWN = "text/markdown", _("Markdown")


def document_upload_to(document: "Document", filename: str) -> str:
    # A random folder per file: names may repeat within a case, and a path never says more
    # than the review and case it belongs to.
    import uuid

    return f"documents/{document.case.review_id}/{document.case_id}/{uuid.uuid4().hex}/{filename}"


class TextStatus(models.TextChoices):
    PENDING = "pending", _("Text being extracted")
    READY = "ready", _("Text extracted")
    FAILED = "failed", _("Text could not be extracted")
    # Over settings.TEXT_EXTRACTION_LIMITS (time, memory or pages): not tried again.
    TOO_LARGE = "too_large", _("Text not extracted: too large")


class DocumentQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class Document(models.Model):
    """A file (full text, appendix) of one case. Served only through an access-checked view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=300)
    file = models.FileField(upload_to=document_upload_to, storage=get_documents_storage,
                            max_length=500)
    filename = models.CharField(max_length=255, help_text=_("The file's name as uploaded."))
    content_type = models.CharField(
        max_length=40, choices=DocumentType.choices, help_text=_("Decided from the content.")
    )
    size = models.PositiveBigIntegerField(help_text=_("Bytes, as stored."))
    sha256 = models.CharField(max_length=64, help_text=_("Of the bytes as stored."))
    is_public = models.BooleanField(
        default=False,
        help_text=_("Readers of a published review may download it. Off by default: most full "
        "texts are copyrighted."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    text = models.TextField(
        blank=True, editable=False,
        help_text=_("Extracted after upload by a background task, for search. PDF pages are "
        "separated by form feeds."),
    )
    text_status = models.CharField(
        max_length=10, choices=TextStatus.choices, default=TextStatus.READY, editable=False,
        help_text=_("Whether the text has been extracted yet (search finds a document once it "
        "has)."),
    )
    text_requested_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text=_("When the text extraction was last queued (a pending one queued long ago "
        "was lost with its worker and is queued again)."),
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["case_id", "uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="document_unique_content"),
            # The codings CSV names a case's document by its file name.
            models.UniqueConstraint(fields=["case", "filename"],
                                    name="document_unique_filename"),
            models.CheckConstraint(
                condition=Q(content_type__in=DocumentType.values),
                name="document_content_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.filename})"


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Being computed")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    # The codings changed before it was computed: a newer snapshot replaces it.
    SUPERSEDED = "superseded", _("Superseded")


class ReliabilitySnapshotQuerySet(models.QuerySet):
    def ready(self):
        return self.filter(status=SnapshotStatus.READY)


class ReliabilitySnapshot(models.Model):
    """A review's reliability report as computed by a background task for one state of its
    submitted codings, consensus and codebook (`version`, the review's reliability_version when
    it was asked for). One row per state: two requests for the same state find the same row,
    so the report is computed once."""

    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="reliability_snapshots"
    )
    version = models.PositiveBigIntegerField(
        help_text=_("The review's reliability_version it was computed at (0: made before the "
        "version existed, never current)."),
    )
    status = models.CharField(
        max_length=10, choices=SnapshotStatus.choices, default=SnapshotStatus.PENDING
    )
    report = models.JSONField(
        null=True, blank=True, editable=False,
        help_text=_("rows, pairs, coders (as the API and the reliability command), and what the "
        "page needs besides: attribute labels and the confusion matrices."),
    )
    drift = models.JSONField(
        null=True, blank=True, editable=False,
        help_text=_("Coder drift by week and by windows of the default size "
        "(coding.reliability.drift.drift_snapshot)."),
    )
    drift_codings = models.JSONField(
        null=True, blank=True, editable=False,
        help_text=_("Per coder, each submitted coding's date and counts, in order: other window "
        "sizes are grouped from it (read only when asked for)."),
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration = models.FloatField(
        null=True, blank=True, help_text=_("Seconds the computation took.")
    )
    error = models.TextField(blank=True)

    objects = ReliabilitySnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["review_id", "-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "version"], name="reliability_snapshot_once_per_version"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SnapshotStatus.values),
                name="reliability_snapshot_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status=SnapshotStatus.READY) | Q(report__isnull=False),
                name="reliability_snapshot_ready_has_report",
            ),
        ]
        indexes = [
            models.Index(fields=["review", "status", "finished_at"],
                         name="reliability_snapshot_latest"),
        ]

    def __str__(self) -> str:
        return f"Reliability of {self.review} ({self.status}, {self.requested_at:%Y-%m-%d %H:%M})"


class ImportKind(models.TextChoices):
    CODEBOOK = "codebook", _("Codebook (YAML)")
    CASES = "cases", _("Cases (CSV or .xlsx)")
    CODINGS = "codings", _("Codings (CSV or .xlsx)")
    # Candidate records for screening (the Records page, coding.records), not the Import page.
    RECORDS = "records", _("Records (RIS, BibTeX, CSV or .xlsx)")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Being checked")
    CHECKED = "checked", _("Checked: ready to import")
    REFUSED = "refused", _("Refused: nothing imported")
    QUEUED = "queued", _("Waiting to run")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed: nothing imported")


class ImportJob(models.Model):
    """A file a lead uploaded on the review's Import page: checked by a dry run in the
    background, imported once confirmed (coding.imports.services)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/", storage=get_documents_storage,
                            max_length=500)
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.CHECKING)
    preview = models.JSONField(default=dict, blank=True,
                               help_text=_("What the dry run would do (counts, notes)."))
    result = models.JSONField(default=dict, blank=True, help_text=_("What the import did."))
    error = models.TextField(blank=True,
                             help_text=_("Why the file was refused: file, row, reason."))
    # What the importer needs besides the file (records: the search's source, date and query).
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values),
                                   name="import_job_status_valid"),
            models.CheckConstraint(condition=Q(kind__in=ImportKind.values),
                                   name="import_job_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename} ({self.status})"


# Issue 14: notifications. Rules live in coding/notifications/.


class NotificationKind(models.TextChoices):
    CASE_ASSIGNED = "case_assigned", _("Cases assigned to you")
    DISCUSSION_WAITING = "discussion_waiting", _("A disagreement waits for your discussion")
    ADJUDICATION_NEEDED = "adjudication_needed", _("Adjudication needed")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    ROUND_COMPLETE = "round_complete", _("Calibration round complete")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """Something a person should look at, with a link to the page where they can act
    (written by coding.notifications.services.notify, never about another coder's coding of
    a case the recipient is blind on)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    # What it says: a key of coding.notifications.messages and its parameters, rendered in
    # the reader's language when shown or mailed. `text` is the English rendering, kept as the
    # fallback (rows written before keys existed have only the text).
    message_key = models.CharField(max_length=60, blank=True, default="")
    params = models.JSONField(default=dict, blank=True)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=500, help_text=_("A path on this site, e.g. /reviews/x/."))
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
        ]
        indexes = [
            # The header's unread count on every page, and the list page newest first.
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["user", "-created_at", "-id"], name="notification_list"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.text}"

    @property
    def message(self) -> str:
        """What the notification says, in the active language (its text when its key is
        unknown)."""
        from coding.notifications.messages import render_notification

        return render_notification(self)


class NotificationSettings(models.Model):
    """A person's own settings: a daily e-mail digest of their unread notifications (off
    unless they turn it on), the interface's language and the time zone times are shown in
    (empty: the browser's language, the site's time zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    daily_digest = models.BooleanField(
        default=False, help_text=_("Once a day, e-mail the notifications not read yet.")
    )
    last_digest_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text=_("When the last digest was sent; the next one lists only newer notifications."),
    )
    language = models.CharField(
        max_length=15, blank=True, default="",
        help_text="A code of settings.LANGUAGES; empty: the browser's language.",
    )
    time_zone = models.CharField(
        max_length=64, blank=True, default="",
        help_text="An IANA time zone (Europe/Madrid); empty: the site's time zone.",
    )

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"
# Issue 14: calibration (pilot) rounds. Rules live in coding/rounds/.


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open: being coded")
    COMPLETE = "complete", _("Complete: every coder submitted every case")


class Round(models.Model):
    """A calibration round: every coder of the round codes every case of it, blind, under the
    codebook version current when the round was created. Its codings are separate from the
    review's codings (RoundCoding) and count only for the round."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveIntegerField(help_text=_("1 for the review's first round, and so on."))
    title = models.CharField(max_length=200)
    codebook = models.ForeignKey(
        Codebook, on_delete=models.PROTECT, related_name="rounds",
        help_text=_("The codebook version the round is coded under."),
    )
    cases = models.ManyToManyField(Case, related_name="rounds")
    coders = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="coding_rounds")
    status = models.CharField(max_length=10, choices=RoundStatus.choices,
                              default=RoundStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # The lead's choice to use the round's codings as the review's codings of its cases
    # (coding.rounds.services.round_promote); until then they never become consensus.
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["review", "number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="round_unique_number"),
            models.CheckConstraint(condition=Q(status__in=RoundStatus.values),
                                   name="round_status_valid"),
            models.CheckConstraint(
                condition=Q(status=RoundStatus.OPEN) | Q(completed_at__isnull=False),
                name="round_complete_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Round {self.number}: {self.title}"

    @property
    def is_complete(self) -> bool:
        return self.status == RoundStatus.COMPLETE


class RoundCoding(models.Model):
    """One coder's coding of one case in one round. `version` increases on every save."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="codings")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="round_codings")
    coder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="round_codings"
    )
    codebook = models.ForeignKey(Codebook, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=10, choices=CodingStatus.choices, default=CodingStatus.DRAFT
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    objects = CodingQuerySet.as_manager()

    class Meta:
        ordering = ["round", "case", "coder__username"]
        constraints = [
            models.UniqueConstraint(fields=["round", "case", "coder"],
                                    name="round_coding_one_per_coder"),
            models.CheckConstraint(condition=Q(status__in=CodingStatus.values),
                                   name="round_coding_status_valid"),
            models.CheckConstraint(
                condition=Q(status=CodingStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="round_coding_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.coder} on {self.case} in round {self.round.number} ({self.status})"

    @property
    def is_submitted(self) -> bool:
        return self.status == CodingStatus.SUBMITTED


class RoundValue(ValueFields):
    coding = models.ForeignKey(RoundCoding, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="+")
    options = models.ManyToManyField(Option, blank=True, related_name="+")

    class Meta:
        ordering = ["coding", "attribute__section__order", "attribute__order"]
        constraints = [
            models.UniqueConstraint(fields=["coding", "attribute"], name="roundvalue_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.attribute.key} of {self.coding}"


class DashboardCount(models.Model):
    """One precomputed count of the dashboard of a review (coding.public.counts): the cases
    per `dimension` and values (`first`, `second`), kept by the services that change what the
    dashboard counts, in their transaction. Dimensions: "cases" and "complete" (no values),
    "year", "region", "country", "service_area" (its id), "option" (an option id: its count
    of chosen options among public cases), "coverage" (attribute id, and "1"/"0"/"" for a
    yes/no value), "pair" (two option ids chosen in one public case), and "built" (the review's
    counts are whole: rebuilt once, kept since)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=20)
    first = models.CharField(max_length=300, blank=True, default="")
    second = models.CharField(max_length=300, blank=True, default="")
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "dimension", "first", "second"],
                                    name="dashboardcount_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.first} {self.second}: {self.n}"


class DashboardCaseCounts(models.Model):
    """What one case adds to its review's DashboardCount rows, as last added: the counts
    subtract exactly this when the case changes, whatever changed it."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True,
                                related_name="+")
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="+")
    keys = models.JSONField(default=list)  # [[dimension, first, second, n], ...]

    def __str__(self) -> str:
        return f"counts of case {self.case_id}"


class Release(models.Model):
    """A citable release: the review's public data frozen by a lead as release `number`
    (1, 2, ...). Immutable once made (coding.releases.services.release_create). `rows` are
    the public export's rows at the freeze (coding.public.selectors.export_rows_iter), from
    which the release's pages are drawn; `archive` is the zip readers download. `created_by`
    is never shown to readers."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="releases")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    data_version = models.PositiveBigIntegerField()
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    authors = models.TextField(
        help_text=_("The release's authors as the lead wrote them, one per line."))
    case_count = models.PositiveIntegerField(default=0)
    attribute_count = models.PositiveIntegerField(default=0)
    value_count = models.PositiveIntegerField(default=0)
    codebook = models.JSONField(default=list)
    rows = models.JSONField(default=list)
    changes = models.JSONField(default=dict)
    archive = models.BinaryField()

    class Meta:
        ordering = ["review", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["review", "number"], name="release_number_unique"),
        ]

    def __str__(self):
        return f"{self.review.slug} release {self.number}"


class ReleaseJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Being made")
    DONE = "done", _("Made")
    FAILED = "failed", _("Failed: no release made")


class ReleaseJob(models.Model):
    """A lead's request to freeze the review's public data as its next release, carried
    out by a background task (coding.releases.services.release_job_run). Holds what the
    lead typed until the release is made; `release` once it is; `error` says why not."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="release_jobs")
    status = models.CharField(max_length=10, choices=ReleaseJobStatus.choices,
                              default=ReleaseJobStatus.QUEUED)
    title = models.CharField(max_length=300)
    authors = models.TextField()
    notes = models.TextField(blank=True)
    base_url = models.CharField(max_length=500,
                                help_text="The site's address, for the links in the files.")
    language = models.CharField(max_length=16, blank=True,
                                help_text="The lead's language when asking: the task's "
                                "messages are written in it.")
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    error = models.TextField(blank=True, help_text="Why no release was made, for the lead.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_id", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReleaseJobStatus.values),
                                   name="release_job_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.review_id} release job {self.pk} ({self.status})"


# --- Stage one: eligibility screening of candidate records (coding/screening/) ---------------


class ScreeningStage(models.TextChoices):
    TITLE_ABSTRACT = "title_abstract", _("Title and abstract")
    FULL_TEXT = "full_text", _("Full text")


class ScreeningStages(models.TextChoices):
    """Which stages a review screens in (PRISMA: records screened, then reports assessed)."""

    BOTH = "both", _("Title and abstract, then full text")
    TITLE_ABSTRACT = "title_abstract", _("Title and abstract only")
    FULL_TEXT = "full_text", _("Full text only")


class ScreeningDecisionValue(models.TextChoices):
    INCLUDE = "include", _("Include")
    EXCLUDE = "exclude", _("Exclude")
    MAYBE = "maybe", _("Maybe")


class ScreeningSettings(models.Model):
    """How a review screens its candidate records: stages, criteria, and what PRISMA counts the
    review reports without records behind them (a review whose stage one was done elsewhere)."""

    review = models.OneToOneField(Review, on_delete=models.CASCADE, primary_key=True,
                                  related_name="screening_settings")
    stages = models.CharField(max_length=20, choices=ScreeningStages.choices,
                              default=ScreeningStages.BOTH)
    criteria = models.TextField(
        blank=True, help_text=_("Eligibility criteria, shown beside every record (Markdown-free "
                                "plain text; one criterion per line)."))
    # PRISMA box name → count, for boxes the review reports but did not record here (e.g. the
    # bundled review's included total). A box in neither the data nor here is "not reported".
    reported_counts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Screening settings of {self.review}"


class ExclusionReason(models.Model):
    """A reason a record may be excluded for at the full-text stage, from the review's list."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE,
                               related_name="exclusion_reasons")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["review", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["review", "key"], name="exclusion_reason_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label


class Search(models.Model):
    """One search of one source, as PRISMA counts identification: every import of records is
    one search (source, date, query, how many records it brought)."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="searches")
    source = models.CharField(max_length=200, help_text=_('A database, register or website, '
                                                          'e.g. "Nesta".'))
    searched_on = models.DateField(null=True, blank=True)
    query = models.TextField(blank=True)
    filename = models.CharField(max_length=255, blank=True)
    # Records this search identified: the imported count, or the count the review reports when
    # its records are not here (null: not reported).
    count = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "created_at", "pk"]
        verbose_name_plural = "searches"

    def __str__(self) -> str:
        return f"{self.source} ({self.searched_on or 'no date'})"


class DuplicateStatus(models.TextChoices):
    NONE = "", _("Not a duplicate")
    SUSPECTED = "suspected", _("Suspected duplicate")
    CONFIRMED = "confirmed", _("Duplicate removed")
    SPLIT = "split", _("Not a duplicate (checked)")


class Record(models.Model):
    """A candidate record (a report of a programme) to be screened for eligibility."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="records")
    search = models.ForeignKey(Search, on_delete=models.PROTECT, related_name="records")
    external_id = models.CharField(max_length=200, blank=True,
                                   help_text=_("The record's ID in its source file, if any."))
    title = models.CharField(max_length=1000)
    authors = models.TextField(blank=True, help_text=_("One author per line."))
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    abstract = models.TextField(blank=True)
    url = models.URLField(max_length=1000, blank=True)
    doi = models.CharField(max_length=200, blank=True, db_index=True,
                           help_text=_("Normalised: lower case, no https://doi.org/ prefix."))
    # Normalised title (lower case, letters and digits only) for finding duplicates.
    title_key = models.CharField(max_length=1000, blank=True, editable=False)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="duplicates")
    duplicate_status = models.CharField(max_length=10, choices=DuplicateStatus.choices,
                                        blank=True, default=DuplicateStatus.NONE)
    # Full-text stage: null until sought; False = sought but not retrieved (a PRISMA box).
    full_text_retrieved = models.BooleanField(null=True, blank=True)
    # Stage two: the case an included record became (one action, keeps documents and source).
    case = models.OneToOneField(Case, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="record")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["review", "pk"]
        indexes = [
            models.Index(fields=["review", "title_key", "year"]),
            models.Index(fields=["review", "duplicate_status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1800, year__lte=2100),
                name="record_year_plausible",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_status__in=DuplicateStatus.values),
                name="record_duplicate_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:120]


class ScreeningAssignment(models.Model):
    """A screener assigned to screen a record at a stage. Each record gets two per stage."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="assignments")
    stage = models.CharField(max_length=20, choices=ScreeningStage.choices)
    screener = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="screening_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["record", "stage", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "screener"],
                                    name="screening_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.screener} → {self.record} ({self.stage})"


class ScreeningDecision(models.Model):
    """One screener's decision on one record at one stage (blind until both have decided)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="decisions")
    stage = models.CharField(max_length=20, choices=ScreeningStage.choices)
    screener = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="screening_decisions")
    decision = models.CharField(max_length=10, choices=ScreeningDecisionValue.choices)
    reason = models.ForeignKey(ExclusionReason, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "stage", "decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage", "screener"],
                                    name="screening_decision_unique"),
            models.CheckConstraint(condition=Q(decision__in=ScreeningDecisionValue.values),
                                   name="screening_decision_valid"),
            models.CheckConstraint(condition=Q(stage__in=ScreeningStage.values),
                                   name="screening_decision_stage_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.screener}: {self.decision} {self.record} ({self.stage})"


class ScreeningOutcomeMethod(models.TextChoices):
    AGREED = "agreed", _("Screeners agreed")
    ADJUDICATED = "adjudicated", _("Adjudicated")
    DISCUSSED = "discussed", _("Agreed in discussion")


class ScreeningConflict(models.Model):
    """The two assigned screeners' decisions on a record at a stage differ (include vs exclude,
    or either said maybe): settled by the adjudicator or in discussion, as the review's
    resolution mode says."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="conflicts")
    stage = models.CharField(max_length=20, choices=ScreeningStage.choices)
    decision_a = models.ForeignKey(ScreeningDecision, on_delete=models.CASCADE, related_name="+")
    decision_b = models.ForeignKey(ScreeningDecision, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=DisagreementStatus.choices,
                              default=DisagreementStatus.OPEN)
    detected_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # Discussion mode (coding.screening.services): each screener's proposal, {screener id:
    # {"decision", "reason" (key or ""), "rationale"}}; equal proposals settle the conflict.
    proposals = models.JSONField(default=dict, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["record", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="screening_conflict_unique"),
            models.CheckConstraint(condition=~Q(decision_a=models.F("decision_b")),
                                   name="screening_conflict_two_decisions"),
        ]

    def __str__(self) -> str:
        return f"Conflict on {self.record} ({self.stage}, {self.status})"


class ScreeningOutcome(models.Model):
    """The settled decision on a record at a stage: both screeners agreed, or their conflict was
    resolved. What PRISMA counts and what moves a record on to the next stage or to a case."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="outcomes")
    stage = models.CharField(max_length=20, choices=ScreeningStage.choices)
    decision = models.CharField(max_length=10, choices=[
        (ScreeningDecisionValue.INCLUDE, _("Include")),
        (ScreeningDecisionValue.EXCLUDE, _("Exclude")),
    ])
    reason = models.ForeignKey(ExclusionReason, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+")
    method = models.CharField(max_length=12, choices=ScreeningOutcomeMethod.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    rationale = models.TextField(blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["record", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["record", "stage"], name="screening_outcome_unique"),
            models.CheckConstraint(condition=Q(decision__in=["include", "exclude"]),
                                   name="screening_outcome_decision_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.record}: {self.decision} ({self.stage})"


def _warm_locale_preferences(sender, request, user, **kwargs):
    """Signing in reads the account's language and time zone into the cache
    (coding.accounts.selectors): connected here, where it is connected in every process."""
    from coding.accounts.selectors import warm_locale_preferences

    warm_locale_preferences(sender, request, user, **kwargs)


user_logged_in.connect(_warm_locale_preferences, dispatch_uid="coding.warm_locale_preferences")
