"""Output (and a few input) serializers. A coded or consensus value is shown as
``{"attribute": "level", "value": "local", "evidence": "...", "note": "..."}`` where
`value` is an option key (single choice), a list of option keys (multiple
choice), a string, a number, true/false, or null when not given."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coding import models
from coding.models import AttributeKind

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


def value_of(obj: models.ValueFields, attribute: models.Attribute):
    """The value a CodedValue or ConsensusValue holds, in the API's representation.
    Expects `options` to be prefetched."""
    kind = attribute.kind
    if kind == AttributeKind.SINGLE:
        keys = [option.key for option in obj.options.all()]
        return keys[0] if keys else None
    if kind == AttributeKind.MULTI:
        return sorted(option.key for option in obj.options.all())
    if kind == AttributeKind.NUMBER:
        return obj.number
    if kind == AttributeKind.BOOLEAN:
        return obj.boolean
    return obj.text


class ReviewSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField(
        help_text="Your roles in this review (empty for the public)."
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = models.Review
        fields = ["slug", "title", "description", "is_published", "roles", "url"]

    def get_roles(self, review) -> list[str]:
        return sorted(self.context.get("roles_by_review", {}).get(review.pk, ()))

    def get_url(self, review) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:review-detail", args=[review.slug])
        )


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = models.Option
        fields = ["key", "label", "order"]


class AttributeSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = models.Attribute
        fields = ["key", "label", "kind", "required", "help_text", "order", "options"]


class SectionSerializer(serializers.ModelSerializer):
    attributes = AttributeSerializer(many=True, read_only=True)

    class Meta:
        model = models.Section
        fields = ["title", "order", "attributes"]


class CodebookSerializer(serializers.ModelSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta:
        model = models.Codebook
        fields = ["version", "title", "created_at", "sections"]


class CaseSerializer(serializers.ModelSerializer):
    service_areas = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    url = serializers.SerializerMethodField(help_text="The case in the API.")

    class Meta:
        model = models.Case
        fields = [
            "number", "title", "country", "region", "year", "service_areas", "summary",
            "source", "url",
        ]

    def get_url(self, case) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:case-detail", args=[case.review.slug, case.number])
        )


class ValueSerializer(serializers.Serializer):
    """One attribute's value in a coding or in the consensus."""

    attribute = serializers.CharField(source="attribute.key")
    value = serializers.SerializerMethodField()
    evidence = serializers.CharField()
    note = serializers.CharField()

    @extend_schema_field(ANY_VALUE)
    def get_value(self, obj):
        return value_of(obj, obj.attribute)


class ConsensusValueSerializer(ValueSerializer):
    case = serializers.CharField(source="case.number")
    method = serializers.ChoiceField(choices=models.ConsensusMethod.choices)
    rationale = serializers.CharField()
    decided_at = serializers.DateTimeField()
    version = serializers.IntegerField()


class CaseDetailSerializer(CaseSerializer):
    consensus = serializers.SerializerMethodField(
        help_text="The consensus values settled so far (agreed or adjudicated)."
    )

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "consensus"]

    @extend_schema_field(ValueSerializer(many=True))
    def get_consensus(self, case):
        return ValueSerializer(case.consensus_values.all(), many=True).data


class CodingSerializer(serializers.ModelSerializer):
    case = serializers.CharField(source="case.number", help_text="The case's number.")
    codebook_version = serializers.IntegerField(source="codebook.version")
    values = ValueSerializer(many=True, read_only=True)

    class Meta:
        model = models.Coding
        fields = [
            "case", "status", "version", "codebook_version", "created_at", "updated_at",
            "submitted_at", "values",
        ]


class ValueInputSerializer(serializers.Serializer):
    attribute = serializers.CharField(help_text="The attribute's key.")
    value = serializers.JSONField(
        required=False, allow_null=True, help_text=ANY_VALUE["description"]
    )
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


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
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField(), required=False)

