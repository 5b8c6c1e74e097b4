"""Output (and a few input) serializers. A coded or consensus value is shown as
``{"attribute": "level", "value": "local", "evidence": "...", "note": "..."}`` where
`value` is an option key (single choice), a sorted list of option keys (multiple
choice), a string, a number, true/false, or null when not given; it is read with
coding.adjudication's stored_value, like the adjudication page."""

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coding import models
from coding.codings.selectors import QueueState
from coding.public.policies import READER_CONSENSUS_FIELDS
from coding.reliability.selectors import FIGURES_STATUSES
from coding.urlmaking import absolute_url_maker
from coding.values import stored_value, value_json

ANY_VALUE = {
    "oneOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "number"},
        {"type": "boolean"},
    ],
    "nullable": True,
    "description": "Option key (single choice), list of option keys (multiple choice), "
    "text, number or true/false; null when not given.",
}


@extend_schema_field(ANY_VALUE)
class AnyValueField(serializers.JSONField):
    """A value as ANY_VALUE describes it."""


class ReviewSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField(
        help_text="Your roles in this review (empty for the public)."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = models.Review
        fields = ["slug", "title", "description", "is_published", "resolution_mode", "roles",
                  "url"]
        read_only_fields = ["resolution_mode"]

    def get_roles(self, review) -> list[str]:
        return sorted(self.context.get("roles_by_review", {}).get(review.pk, ()))

    def get_url(self, review) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:review-detail", args=[review.slug])
        )


class ReviewInputSerializer(serializers.Serializer):
    """A new review. The fields are checked by the review service (coding.reviews.services
    review_create), which names the field of each problem."""

    slug = serializers.CharField(
        help_text="The review's address, /reviews/<slug>/: letters, digits, hyphens and "
        "underscores; unique.", trim_whitespace=True, allow_blank=True)
    title = serializers.CharField(allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    resolution_mode = serializers.CharField(
        required=False, default=models.ResolutionMode.ADJUDICATOR,
        help_text="How disagreements are settled: " + ", ".join(
            f'"{value}" ({label.lower()})' for value, label in models.ResolutionMode.choices)
        + '; "adjudicator" if left out.')


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.Option
        fields = ["key", "label", "order", "is_none", "translations"]


class NoneOptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class AttributeSerializer(serializers.ModelSerializer):
    options = OptionSerializer(
        many=True, read_only=True,
        help_text="Every option, the none option (if any) last with is_none true.",
    )
    none_option = NoneOptionSerializer(
        read_only=True, allow_null=True,
        help_text="Multiple choice: the explicit 'none of these' choice, which excludes the "
        "other options (its key alone is the value); null when the codebook has none.",
    )

    class Meta:
        model = models.Attribute
        fields = ["key", "label", "kind", "required", "level", "help_text", "order", "options",
                  "none_option", "translations"]


class SectionSerializer(serializers.ModelSerializer):
    attributes = AttributeSerializer(many=True, read_only=True)

    class Meta:
        model = models.Section
        fields = ["title", "order", "attributes", "translations"]


class CodebookSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = models.Codebook
        fields = ["version", "title", "language", "created_at", "sections"]


class CaseSerializer(serializers.ModelSerializer):
    service_areas = serializers.SerializerMethodField(help_text="Their names, alphabetically.")
    url = serializers.SerializerMethodField(help_text="The case in the API.")

    class Meta:
        model = models.Case
        fields = [
            "number", "title", "country", "region", "year", "service_areas", "summary",
            "source", "consensus_complete", "url",
        ]

    def get_service_areas(self, case) -> list[str]:
        # A list page reads them for all its cases at once (context); one case prefetches.
        if "service_areas" in self.context:
            return self.context["service_areas"].get(case.pk, [])
        return [area.name for area in case.service_areas.all()]

    def get_url(self, case) -> str:
        makers = self.context.setdefault("case_urls", {})  # one per review, for a whole list
        if case.review.slug not in makers:
            makers[case.review.slug] = absolute_url_maker(
                self.context["request"], "api:case-detail", case.review.slug)
        return makers[case.review.slug](case.number)


class ValueSerializer(serializers.Serializer):
    """One attribute's value in a coding or in the consensus."""

    attribute = serializers.CharField(source="attribute.key")
    value = serializers.SerializerMethodField()
    evidence = serializers.CharField()
    note = serializers.CharField()

    @extend_schema_field(ANY_VALUE)
    def get_value(self, obj):
        return value_json(stored_value(obj.attribute, obj))


class AnchorSerializer(serializers.Serializer):
    """Where an evidence quote is in one of the case's documents (W3C Web Annotation
    selectors; see coding.values.anchors_check)."""

    document = serializers.IntegerField(help_text="The document's id.")
    page = serializers.IntegerField(allow_null=True, help_text="PDF page (from 1), else null.")
    exact = serializers.CharField(help_text="TextQuoteSelector: the quote.")
    prefix = serializers.CharField(allow_blank=True)
    suffix = serializers.CharField(allow_blank=True)
    start = serializers.IntegerField(allow_null=True,
                                     help_text="TextPositionSelector, in the page's text.")
    end = serializers.IntegerField(allow_null=True)


class CodedValueSerializer(ValueSerializer):
    """A value of the caller's own coding, with where its evidence quotes are."""

    evidence_anchors = AnchorSerializer(many=True)


class ReaderFieldsOnly:
    """Put first in the bases of a serializer of a reader surface: its fields must all be
    among `reader_fields` (an allow-list of coding.public.policies), checked when the class
    is made, so that a field which could carry a rationale or a person's name (`rationale`,
    `decided_by`, a coder) cannot be added to it, nor to a serializer it inherits from,
    without the import failing."""

    reader_fields: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        refused = sorted(set(cls._declared_fields) - cls.reader_fields)
        if refused:
            raise ImproperlyConfigured(
                f"{cls.__name__} is shown to readers and may not have the fields "
                f"{', '.join(refused)} (coding.public.policies decides what readers see)."
            )


class ReaderValueSerializer(ReaderFieldsOnly, ValueSerializer):
    """A consensus value as readers see it on a case: the value and its evidence."""

    reader_fields = READER_CONSENSUS_FIELDS


class ReaderConsensusValueSerializer(ReaderFieldsOnly, ValueSerializer):
    """A consensus value as readers see it in the list of consensus values: never who
    decided it nor why (coding.public.policies.READER_CONSENSUS_FIELDS)."""

    reader_fields = READER_CONSENSUS_FIELDS

    case = serializers.CharField(source="case.number")
    method = serializers.ChoiceField(choices=models.ConsensusMethod.choices)
    decided_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class ConsensusValueSerializer(ValueSerializer):
    """A consensus value for the members who may see why it was decided
    (coding.public.policies.may_see_decisions: leads and adjudicators): the reader's fields
    and the rationale."""

    case = serializers.CharField(source="case.number")
    method = serializers.ChoiceField(choices=models.ConsensusMethod.choices)
    rationale = serializers.CharField(
        required=False,
        help_text="Why it was decided (the adjudicator's rationale, or the discussion's "
        "thread). Only for the review's leads and adjudicators; never for readers.",
    )
    decided_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class DocumentSerializer(serializers.ModelSerializer):
    """A document of a case (issue 11): its metadata and where to download it."""

    public = serializers.BooleanField(source="is_public")
    url = serializers.SerializerMethodField(help_text="This document's metadata in the API.")
    download_url = serializers.SerializerMethodField(
        help_text="The file itself, streamed after the same access check (token or session)."
    )

    class Meta:
        model = models.Document
        fields = ["id", "title", "filename", "content_type", "size", "sha256", "public",
                  "uploaded_at", "text_status", "url", "download_url"]
        extra_kwargs = {"text_status": {"help_text": "pending: the text is being extracted "
                                        "(search does not find the document yet); ready; "
                                        "failed; too_large: not extracted, over the "
                                        "extraction's time, memory or page budget."}}

    def _url(self, name: str, document) -> str:
        return self.context["request"].build_absolute_uri(reverse(
            name, args=[document.case.review.slug, document.case.number, document.pk]
        ))

    def get_url(self, document) -> str:
        return self._url("api:document-detail", document)

    def get_download_url(self, document) -> str:
        return self._url("api:document-file", document)


class CaseWithConsensusSerializer(CaseSerializer):
    """A case of the list with `?include=consensus`: the values come from the view's
    context (coding.public.selectors.consensus_for_api, one query for the page)."""

    consensus = serializers.SerializerMethodField(
        help_text="As on the case's own endpoint: its consensus values once complete."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "consensus"]

    @extend_schema_field(ReaderValueSerializer(many=True))
    def get_consensus(self, case):
        return self.context["consensus"].get(case.pk, [])


class CaseDetailSerializer(CaseSerializer):
    consensus = serializers.SerializerMethodField(
        help_text="The consensus values (agreed or adjudicated), once the case's consensus is "
        "complete (`consensus_complete`); empty while coding is in progress."
    )
    documents = DocumentSerializer(
        many=True, read_only=True, help_text="The case's documents you may download."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "consensus", "documents"]

    @extend_schema_field(ReaderValueSerializer(many=True))
    def get_consensus(self, case):
        return ReaderValueSerializer(case.consensus_values.all(), many=True).data


class ValueInputSerializer(serializers.Serializer):
    attribute = serializers.CharField(help_text="The attribute's key.")
    value = AnyValueField(required=False, allow_null=True)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    anchors = serializers.ListField(
        child=serializers.DictField(), required=False,
        help_text="Where the evidence quotes are in the case's documents: a list of "
        "{document, page, exact, prefix, suffix, start, end}. Left out: the stored anchors "
        "of quotes still in the evidence stay.",
    )


class CodingDraftSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False, allow_null=True, min_value=0,
        help_text="The version you last read (0 or null for a new coding). A different "
        "current version means someone saved in between: 409 Conflict, nothing saved.",
    )
    values = ValueInputSerializer(many=True)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="The version you last read.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in a sentence or two.")
    errors = serializers.ListField(child=serializers.CharField(), help_text="Each message.")
    fields = serializers.DictField(
        required=False, help_text="Invalid input: the messages per field.",
    )
    where = serializers.CharField(required=False, help_text=(
        "A codebook refused: the place, e.g. \"section 1 (Scales), attribute 2 (intensity)\"."))
    field = serializers.CharField(required=False, help_text=(
        "A codebook refused: the place as a path, e.g. \"sections.0.attributes.1.label\"."))
    reason = serializers.CharField(required=False, help_text="A codebook refused: why.")
    missing = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="Submit refused: keys of the required attributes not yet coded.",
    )



class CodingSerializer(serializers.Serializer):
    """The caller's own coding of one case (status "not_started" before the first save)."""

    case = serializers.CharField(help_text="The case's number.")
    status = serializers.ChoiceField(choices=QueueState.choices)
    version = serializers.IntegerField(
        help_text="Send it back with the next save or submit (0 before the first save)."
    )
    codebook_version = serializers.IntegerField(allow_null=True)
    updated_at = serializers.DateTimeField(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    values = CodedValueSerializer(many=True)


class QueueItemSerializer(serializers.Serializer):
    """One case assigned to the caller, with the state of the caller's own coding."""

    case = serializers.CharField(source="case.number")
    title = serializers.CharField(source="case.title")
    status = serializers.ChoiceField(
        source="coding_state", choices=QueueState.choices
    )
    version = serializers.IntegerField(source="coding_version")
    updated_at = serializers.DateTimeField(source="coding_updated_at", allow_null=True)
    url = serializers.SerializerMethodField(help_text="This coding in the API.")

    def get_url(self, assignment) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:coding-detail", args=[assignment.case.review.slug,
                                               assignment.case.number])
        )


class AssignmentSerializer(serializers.Serializer):
    case = serializers.CharField(source="case.number")
    coder = serializers.CharField(source="coder.username")
    assigned_at = serializers.DateTimeField()


class AssignInputSerializer(serializers.Serializer):
    coders = serializers.ListField(
        child=serializers.CharField(), min_length=1,
        help_text="Usernames of the coders to share the cases among (coders of the review).",
    )
    cases = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="Case numbers; all cases of the review when left out.",
    )
    per_case = serializers.IntegerField(default=2, min_value=1, max_value=2)


class CodedSideSerializer(serializers.Serializer):
    """One coder's side of a disagreement; the value only once that coding is submitted."""

    coder = serializers.CharField()
    submitted = serializers.BooleanField()
    value = AnyValueField(allow_null=True)
    evidence = serializers.CharField()
    note = serializers.CharField()


class ConsensusStateSerializer(serializers.Serializer):
    value = AnyValueField(allow_null=True)
    method = serializers.CharField()
    rationale = serializers.CharField()
    version = serializers.IntegerField()


class DisagreementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case = serializers.CharField()
    attribute = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.ChoiceField(choices=models.DisagreementStatus.choices)
    detected_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    a = CodedSideSerializer()
    b = CodedSideSerializer()
    only_a = serializers.ListField(
        child=serializers.CharField(), allow_null=True,
        help_text="Multiple choice: options only coder A chose (null otherwise).",
    )
    only_b = serializers.ListField(child=serializers.CharField(), allow_null=True)
    consensus = ConsensusStateSerializer(allow_null=True)
    consensus_version = serializers.IntegerField(
        help_text="Send it back when resolving or reopening (0: no decision yet)."
    )
    may_decide = serializers.BooleanField(
        help_text="Whether you may decide it: adjudicators who did not code the case (in "
        "discussion mode, once a coder escalated it)."
    )
    under_discussion = serializers.BooleanField(
        help_text="Discussion mode: the two coders still discuss it (not escalated)."
    )
    escalated_at = serializers.DateTimeField(
        allow_null=True, help_text="Discussion mode: when a coder escalated it."
    )


class ThreadCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.CharField(help_text="The author's username.")
    body = serializers.CharField()
    is_proposal = serializers.BooleanField()
    proposal = AnyValueField(allow_null=True, help_text="The proposed value (proposals).")
    accepted_by = serializers.ListField(child=serializers.CharField(),
                                        help_text="Who accepts this proposal now (names).")
    created_at = serializers.DateTimeField()


class ThreadSerializer(serializers.Serializer):
    comments = ThreadCommentSerializer(many=True)
    accepted = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Per coder (username): the id of the proposal they accept now.",
    )
    escalated_at = serializers.DateTimeField(allow_null=True)
    escalated_by = serializers.CharField(help_text="Who escalated it (empty: nobody).")


class DiscussionSerializer(DisagreementSerializer):
    thread = ThreadSerializer()


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(help_text="The comment.")


class ProposeInputSerializer(serializers.Serializer):
    value = AnyValueField(allow_null=True, help_text="The proposed value: an option key, a "
                          "list of option keys, a number, or true/false.")
    body = serializers.CharField(required=False, allow_blank=True, help_text="Why (optional).")


class AcceptInputSerializer(serializers.Serializer):
    proposal = serializers.IntegerField(help_text="The proposal's id (a comment of the thread).")


class EscalateInputSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, help_text="Why (optional).")


class ResolveInputSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(
        choices=[("a", "Coder A's value"), ("b", "Coder B's value"), ("other", "Another value")]
    )
    value = AnyValueField(
        required=False, allow_null=True, help_text="With choice 'other': the value to settle on."
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    rationale = serializers.CharField(help_text="Why this is the right value (required).")
    version = serializers.IntegerField(
        min_value=0, help_text="The disagreement's consensus_version as you read it."
    )


class ReopenInputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    version = serializers.IntegerField(min_value=0)


class ReliabilityRowSerializer(serializers.Serializer):
    attribute = serializers.CharField()
    option = serializers.CharField(allow_null=True)
    level = serializers.ChoiceField(
        choices=["nominal", "ordinal", "interval", "ratio"],
        help_text="Level of measurement alpha (and AC2) used.",
    )
    units = serializers.IntegerField()
    coders = serializers.IntegerField()
    percent_agreement = serializers.FloatField(allow_null=True)
    cohen_kappa = serializers.FloatField(allow_null=True)
    krippendorff_alpha = serializers.FloatField(allow_null=True)
    alpha_ci_low = serializers.FloatField(allow_null=True)
    alpha_ci_high = serializers.FloatField(allow_null=True)
    gwet_ac1 = serializers.FloatField(allow_null=True)
    masi_alpha = serializers.FloatField(
        allow_null=True, required=False,
        help_text="Multiple-choice attributes, attribute-level rows only.",
    )
    fleiss_kappa = serializers.FloatField(allow_null=True)
    conger_kappa = serializers.FloatField(allow_null=True)
    gwet_ac2 = serializers.FloatField(
        allow_null=True, help_text="Ordinal, interval and ratio attributes; null if nominal."
    )
    pabak = serializers.FloatField(
        allow_null=True, required=False, help_text="Yes/no rows (options, yes/no attributes)."
    )
    prevalence_index = serializers.FloatField(
        allow_null=True, required=False, help_text="Yes/no rows with two coders."
    )
    bias_index = serializers.FloatField(
        allow_null=True, required=False, help_text="Yes/no rows with two coders."
    )
    cohen_kappa_ci_low = serializers.FloatField(allow_null=True)
    cohen_kappa_ci_high = serializers.FloatField(allow_null=True)
    fleiss_kappa_ci_low = serializers.FloatField(allow_null=True)
    fleiss_kappa_ci_high = serializers.FloatField(allow_null=True)
    ac1_ci_low = serializers.FloatField(allow_null=True)
    ac1_ci_high = serializers.FloatField(allow_null=True)
    resamples = serializers.IntegerField(
        help_text="Bootstrap resamples drawn (0: none, e.g. fewer than 40 cases)."
    )
    alpha_dropped = serializers.IntegerField(
        allow_null=True, help_text="Resamples where alpha was undefined, left out."
    )
    cohen_kappa_dropped = serializers.IntegerField(allow_null=True)
    fleiss_kappa_dropped = serializers.IntegerField(allow_null=True)
    ac1_dropped = serializers.IntegerField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    pairable_values = serializers.IntegerField(
        required=False, help_text="Values in cases coded at least twice.")
    minority_values = serializers.IntegerField(
        required=False, help_text="Pairable values outside the most common category; no "
        "interval below 15.")
    estimable = serializers.BooleanField(
        required=False, allow_null=True, help_text="false: every value in one category, the "
        "chance-corrected coefficients are not estimable (null); null: no case coded twice.")
    interval_method = serializers.CharField(
        required=False, help_text="How the intervals were computed; empty without one.")
    alpha_boot = serializers.JSONField(
        required=False, allow_null=True, help_text="For Krippendorff's q: the bootstrap alphas "
        'as counts per thousandth in [0, 1): {"n", "below0", "bins": [[k, count], ...]}.')


class ReliabilityPairSerializer(serializers.Serializer):
    coder_a = serializers.CharField()
    coder_b = serializers.CharField()
    attribute = serializers.CharField()
    units = serializers.IntegerField()
    percent_agreement = serializers.FloatField(allow_null=True)
    cohen_kappa = serializers.FloatField(allow_null=True)
    krippendorff_alpha = serializers.FloatField(allow_null=True)
    gwet_ac1 = serializers.FloatField(allow_null=True)


class ReliabilitySerializer(serializers.Serializer):
    rows = ReliabilityRowSerializer(many=True)
    pairs = ReliabilityPairSerializer(many=True)
    coders = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(
        choices=FIGURES_STATUSES,
        help_text="up_to_date: the figures are of the current codings; computing: newer "
        "figures (or, with HTTP 202, the first ones) are being computed in the background; "
        "failed: computing the current codings' figures failed (these are older).",
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When these figures were computed; null before the first."
    )
    duration_seconds = serializers.FloatField(
        allow_null=True, help_text="How long computing them took."
    )


CELL = {"oneOf": [{"type": "string"}, {"type": "number"}], "nullable": True}


class ChartSerializer(serializers.Serializer):
    group = serializers.CharField()
    id = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    x_title = serializers.CharField()
    y_title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.SerializerMethodField(help_text="The chart's numbers, as its CSV.")
    empty = serializers.CharField(help_text="Why there is nothing to draw, if so.")
    note = serializers.CharField()

    @extend_schema_field({"type": "array", "items": {"type": "array", "items": CELL}})
    def get_rows(self, chart):
        return chart.rows


class DashboardSerializer(serializers.Serializer):
    cases = serializers.IntegerField(help_text="Cases matching the filters.")
    filters = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    charts = ChartSerializer(many=True)


class NotificationSerializer(serializers.ModelSerializer):
    review = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True,
                                          help_text="The review's slug (null: none).")
    url = serializers.CharField(help_text="The page to act on: a path on this site.")
    read = serializers.SerializerMethodField()
    text = serializers.SerializerMethodField(
        help_text="What it says, in the request's language (Accept-Language).")
    message_key = serializers.CharField(
        read_only=True, help_text="The message's key (empty for old notifications).")
    params = serializers.JSONField(read_only=True, help_text="The message's parameters.")

    class Meta:
        model = models.Notification
        fields = ["id", "kind", "text", "message_key", "params", "url", "review", "created_at",
                  "read_at", "read"]

    def get_text(self, obj) -> str:
        return obj.message

    def get_read(self, obj) -> bool:
        return obj.read_at is not None


class NotificationsReadSerializer(serializers.Serializer):
    marked_read = serializers.IntegerField(help_text="How many notifications changed.")
    unread = serializers.IntegerField(help_text="How many are still unread.")


class DriftRowSerializer(serializers.Serializer):
    coder = serializers.CharField(help_text='A username, or "all coders" (a block\'s row).')
    period = serializers.CharField(help_text='"2026-W07" (ISO week) or "cases 1–20"; "" in '
                                   "`overall`.")
    period_start = serializers.CharField(help_text="ISO date; \"\" in `overall`.")
    period_end = serializers.CharField(help_text="ISO date; \"\" in `overall`.")
    cases = serializers.IntegerField(help_text="Complete cases in the period (the coder's).")
    values_compared = serializers.IntegerField(
        help_text="Pairs of values of two coders on the same case and attribute.")
    values_agreed = serializers.IntegerField(help_text="Of those, pairs with the same value.")
    agreement = serializers.FloatField(allow_null=True,
                                       help_text="values_agreed / values_compared.")
    alpha = serializers.FloatField(
        allow_null=True, help_text="Krippendorff's alpha (nominal), every attribute pooled; "
        "a coder's row: with the other coders. Null where not estimable.")
    alpha_ci_low = serializers.FloatField(allow_null=True,
                                          help_text="95% BCa interval; null where withheld.")
    alpha_ci_high = serializers.FloatField(allow_null=True)
    not_coded = serializers.IntegerField(
        help_text="Values another coder gave on the case where this coder gave none.")
    note = serializers.CharField(help_text="Why no interval is shown, or \"\".")


class DriftOverallSerializer(serializers.Serializer):
    between = DriftRowSerializer()
    coders = DriftRowSerializer(many=True)


class DriftTrendSerializer(serializers.Serializer):
    first_cases = serializers.IntegerField()
    second_cases = serializers.IntegerField()
    first_alpha = serializers.FloatField()
    second_alpha = serializers.FloatField()
    difference = serializers.FloatField(help_text="second_alpha - first_alpha.")
    p_value = serializers.FloatField(
        help_text="Share of random reorderings of the cases with a difference at least as "
        "large (two-sided permutation test).")
    reorderings = serializers.IntegerField()
    sentence = serializers.CharField()


class DriftSerializer(serializers.Serializer):
    format = serializers.IntegerField(required=False, help_text="Drift's stored format (2).")
    by = serializers.ChoiceField(choices=["week", "window"])
    n = serializers.IntegerField(allow_null=True)
    coders = serializers.ListField(child=serializers.CharField())
    periods = serializers.ListField(child=serializers.CharField())
    blocks = DriftRowSerializer(many=True, help_text="All coders with each other, per period.")
    rows = DriftRowSerializer(many=True,
                              help_text="Each coder with the other coders, per period.")
    overall = DriftOverallSerializer(allow_null=True)
    trend = DriftTrendSerializer(allow_null=True,
                                 help_text="Null below 10 complete cases.")
    status = serializers.ChoiceField(
        choices=FIGURES_STATUSES,
        help_text="As the reliability figures': whether newer drift is being computed.",
    )
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When this drift was computed; null before the first."
    )


# --- calibration rounds -----------------------------------------------------------------


class RoundInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    cases = serializers.ListField(child=serializers.CharField(), min_length=1,
                                  help_text="Case numbers.")
    coders = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="Usernames of members; left out: every coder of the review.")


class RoundSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=models.RoundStatus.choices)
    codebook_version = serializers.IntegerField(source="codebook.version")
    cases = serializers.ListField(child=serializers.CharField())
    coders = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    promoted_at = serializers.DateTimeField(
        allow_null=True, help_text="When a lead made the round's codings the review's.")
    url = serializers.CharField(help_text="The round's page.")


class RoundCaseStateSerializer(serializers.Serializer):
    case = serializers.CharField()
    status = serializers.ChoiceField(choices=QueueState.choices)


class RoundProgressSerializer(serializers.Serializer):
    coder = serializers.CharField()
    submitted = serializers.IntegerField()
    draft = serializers.IntegerField()
    total = serializers.IntegerField()


class RoundAttributeSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    agreement = serializers.FloatField(
        allow_null=True, help_text="Alpha, else percent agreement: the sort order (lowest "
        "first); null when no case was coded twice.")
    rows = ReliabilityRowSerializer(many=True, help_text="The attribute, then its options.")


class RoundCodingSideSerializer(serializers.Serializer):
    coder = serializers.CharField()
    value = serializers.CharField(help_text="As shown on the page (\"not coded\" if none).")
    evidence = serializers.CharField()
    note = serializers.CharField()


class RoundDifferenceCaseSerializer(serializers.Serializer):
    case = serializers.CharField()
    codings = RoundCodingSideSerializer(many=True)


class RoundDifferenceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    cases = RoundDifferenceCaseSerializer(many=True)


class RoundResultsSerializer(serializers.Serializer):
    coders = serializers.ListField(child=serializers.CharField())
    hidden_cases = serializers.IntegerField(
        help_text="Cases left out for you (figures and differences): you code them in the "
        "review and have not finished them there.")
    attributes = RoundAttributeSerializer(many=True)
    pairs = ReliabilityPairSerializer(many=True)
    differences = RoundDifferenceSerializer(many=True)


class RoundDetailSerializer(RoundSerializer):
    short_of_coders = serializers.BooleanField(
        help_text="An open round left with fewer than two coders (the others left the review "
        "or lost the coder role): it cannot complete.")
    own_cases = RoundCaseStateSerializer(
        many=True, allow_null=True,
        help_text="Your cases in the round and your coding's state; null unless you code in it.")
    progress = RoundProgressSerializer(
        many=True, allow_null=True,
        help_text="Per coder; for leads who do not code in the round, everyone once complete.")
    results = RoundResultsSerializer(
        allow_null=True, help_text="Once the round is complete: its reliability (attributes "
        "with the lowest agreement first) and the cases where coders differed.")


class RoundPromoteInputSerializer(serializers.Serializer):
    coders = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="Two coders of the round for the cases nobody is assigned to yet.")


class RoundPromoteSerializer(serializers.Serializer):
    promoted = serializers.ListField(child=serializers.CharField())
    skipped = serializers.ListField(child=serializers.CharField(),
                                    help_text="\"<case>: why\" per case left as it was.")
