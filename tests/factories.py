import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from coding import models
from coding.reviews.services import review_data_changed

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Review

    slug = factory.Sequence(lambda n: f"review-{n}")
    title = factory.Sequence(lambda n: f"Review {n}")
    is_published = True


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    review = factory.SubFactory(ReviewFactory)
    user = factory.SubFactory(UserFactory)
    role = models.Role.CODER


class CodebookFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Codebook

    review = factory.SubFactory(ReviewFactory)
    version = 1
    title = "Codebook"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Section

    codebook = factory.SubFactory(CodebookFactory)
    title = factory.Sequence(lambda n: f"Section {n}")
    order = factory.Sequence(int)


class AttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Attribute

    section = factory.SubFactory(SectionFactory)
    codebook = factory.LazyAttribute(lambda a: a.section.codebook)
    key = factory.Sequence(lambda n: f"attr_{n}")
    label = factory.LazyAttribute(lambda a: a.key.replace("_", " ").capitalize())
    kind = models.AttributeKind.SINGLE
    level = factory.LazyAttribute(lambda a: models.LEVELS_BY_KIND[a.kind][0])
    order = factory.Sequence(int)


class OptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Option

    attribute = factory.SubFactory(AttributeFactory)
    key = factory.Sequence(lambda n: f"opt_{n}")
    label = factory.LazyAttribute(lambda o: o.key.replace("_", " ").capitalize())
    order = factory.Sequence(int)


class ServiceAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceArea
        django_get_or_create = ["name"]

    name = "Health care"
    slug = factory.LazyAttribute(lambda a: a.name.lower().replace(" ", "-"))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Case
        skip_postgeneration_save = True

    review = factory.SubFactory(ReviewFactory)
    # Far above the numbers tests give their cases ("1", "900"): the sequence runs across
    # the whole process, and which tests come before a test depends on how the tests are
    # shared among the processes of a parallel run.
    number = factory.Sequence(lambda n: str(n + 100_001))
    sort_key = factory.LazyAttribute(lambda c: int(c.number) if c.number.isdigit() else 0)
    title = factory.Sequence(lambda n: f"Case study {n + 1}")
    country = "UK"
    region = "Europe"
    year = 2010
    summary = "Residents and the council ran the service together. Satisfaction rose."
    source = "https://example.org/case"

    @factory.post_generation
    def service_areas(self, create, extracted, **kwargs):
        if create:
            self.service_areas.set(extracted or [ServiceAreaFactory()])


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Assignment

    case = factory.SubFactory(CaseFactory)
    coder = factory.SubFactory(UserFactory)


class CodingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Coding
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    coder = factory.SubFactory(UserFactory)
    codebook = factory.LazyAttribute(lambda c: c.case.review.current_codebook())
    status = models.CodingStatus.DRAFT

    class Params:
        submitted = factory.Trait(
            status=models.CodingStatus.SUBMITTED, submitted_at=factory.LazyFunction(timezone.now)
        )

    @factory.post_generation
    def assigned(self, create, extracted, **kwargs):
        """A coding belongs to an assignment, as in the app (imports add them too); pass
        `assigned=False` for the odd coding left behind by a reassignment."""
        if create and extracted is not False:
            models.Assignment.objects.get_or_create(case=self.case, coder=self.coder)


def codebook_for(review: models.Review, version: int = 1) -> models.Codebook:
    """A small codebook with one attribute of every kind:
    level (single: national/state/local, required), roles (multi: commissioner/deliverer/
    assessor, required), topic (text), budget (number), agreement (boolean)."""
    codebook = CodebookFactory(review=review, title=f"{review.title} codebook", version=version)
    first = SectionFactory(codebook=codebook, title="Characteristics", order=0)
    second = SectionFactory(codebook=codebook, title="Process", order=1)
    level = AttributeFactory(section=first, key="level", label="Level", required=True, order=0,
                             help_text="Level of government.")
    for order, key in enumerate(["national", "state", "local"]):
        OptionFactory(attribute=level, key=key, label=key.capitalize(), order=order)
    AttributeFactory(section=first, key="topic", label="Main topic", kind="text", order=1)
    AttributeFactory(section=first, key="budget", label="Budget", kind="number", order=2)
    roles = AttributeFactory(section=second, key="roles", label="Role of citizens", kind="multi",
                             required=True, order=0)
    for order, key in enumerate(["commissioner", "deliverer", "assessor"]):
        OptionFactory(attribute=roles, key=key, label=f"Co-{key}", order=order)
    AttributeFactory(section=second, key="agreement", label="Formal agreement", kind="boolean",
                     order=1)
    return codebook


class CodedValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CodedValue
        skip_postgeneration_save = True

    coding = factory.SubFactory(CodingFactory)
    attribute = factory.SubFactory(
        AttributeFactory, section__codebook=factory.SelfAttribute("...coding.codebook")
    )

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if create and extracted:
            self.options.set(extracted)


def coding_with_values(
    *, case: models.Case, coder, values: dict, submitted: bool = True, evidence: dict | None = None,
    notes: dict | None = None,
) -> models.Coding:
    """A coding of `case` by `coder` under the current codebook, with `values` by attribute
    key: an option key (single), a list of option keys (multi), a number, a bool or text.
    `evidence` and `notes` map attribute keys to quotes and notes."""
    coding = CodingFactory(case=case, coder=coder, submitted=submitted)
    attributes = {a.key: a for a in coding.codebook.attributes.prefetch_related("options")}
    evidence, notes = evidence or {}, notes or {}
    for key, value in values.items():
        attribute = attributes[key]
        fields = {"evidence": evidence.get(key, ""), "note": notes.get(key, "")}
        chosen = []
        if attribute.kind == models.AttributeKind.SINGLE:
            chosen = [o for o in attribute.options.all() if o.key == value]
        elif attribute.kind == models.AttributeKind.MULTI:
            chosen = [o for o in attribute.options.all() if o.key in value]
        elif attribute.kind == models.AttributeKind.NUMBER:
            fields["number"] = value
        elif attribute.kind == models.AttributeKind.BOOLEAN:
            fields["boolean"] = value
        else:
            fields["text"] = value
        CodedValueFactory(coding=coding, attribute=attribute, options=chosen, **fields)
    if submitted:
        reliability_bumped(case.review)
    return coding


def reliability_bumped(review: models.Review) -> None:
    """What coding.reliability.services.reliability_changed does in the transaction of a
    change, without asking for a snapshot after it: for data made here around the services
    (a submitted coding_with_values), so that the figures count as out of date."""
    from django.db.models import F

    models.Review.objects.filter(pk=review.pk).update(
        reliability_version=F("reliability_version") + 1)
    review.__dict__.pop("reliability_version", None)


class ConsensusValueFactory(factory.django.DjangoModelFactory):
    """A consensus value. Pass `options=[...]` (Option objects) for choice attributes."""

    class Meta:
        model = models.ConsensusValue
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    attribute = factory.SubFactory(
        AttributeFactory, section__codebook=factory.LazyAttribute(
            lambda s: s.factory_parent.case.review.current_codebook()
        )
    )
    method = models.ConsensusMethod.AGREED
    decided_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def options(self, create, extracted, **kwargs):
        if create and extracted:
            self.options.set(extracted)


def consensus_for(*, case: models.Case, values: dict, evidence: dict | None = None,
                  method: str = models.ConsensusMethod.AGREED, decided_by=None,
                  rationale: str = "", complete: bool = True) -> list[models.ConsensusValue]:
    """Consensus values of `case` under its review's current codebook, by attribute key: an
    option key (single), a list of option keys (multi), a number, a bool or text. `evidence`
    maps attribute keys to quotes. The case's consensus counts as complete (as if both coders
    had submitted and nothing were open) unless `complete=False`."""
    codebook = case.review.current_codebook()
    attributes = {a.key: a for a in codebook.attributes.prefetch_related("options")}
    evidence = evidence or {}
    made = []
    for key, value in values.items():
        attribute = attributes[key]
        fields = {"evidence": evidence.get(key, "")}
        chosen = []
        if attribute.kind == models.AttributeKind.SINGLE:
            chosen = [o for o in attribute.options.all() if o.key == value]
        elif attribute.kind == models.AttributeKind.MULTI:
            chosen = [o for o in attribute.options.all() if o.key in value]
        elif attribute.kind == models.AttributeKind.NUMBER:
            fields["number"] = value
        elif attribute.kind == models.AttributeKind.BOOLEAN:
            fields["boolean"] = value
        else:
            fields["text"] = value
        made.append(ConsensusValueFactory(
            case=case, attribute=attribute, options=chosen, method=method,
            decided_by=decided_by, rationale=rationale, **fields,
        ))
    models.Case.objects.filter(pk=case.pk).update(consensus_complete=complete)
    case.consensus_complete = complete
    review_data_changed(review=case.review_id)  # as the services do
    return made


def reliability_computed(review: models.Review) -> models.ReliabilitySnapshot:
    """The snapshot of the review's current codings, computed as the background worker does
    (tests' transactions never commit, so nothing is queued by itself)."""
    from coding.reliability.services import (
        reliability_snapshot_compute,
        reliability_snapshot_request,
    )

    snapshot = reliability_snapshot_request(review=review)
    reliability_snapshot_compute(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    assert snapshot.status == models.SnapshotStatus.READY, snapshot.error
    return snapshot


def round_coding_with_values(*, round_: models.Round, case: models.Case, coder, values: dict,
                             submitted: bool = True, evidence: dict | None = None
                             ) -> models.RoundCoding:
    """A coding of `case` in a calibration round, with `values` as coding_with_values (no
    required-attribute check: for page tests that need many codings quickly)."""
    coding = models.RoundCoding.objects.create(
        round=round_, case=case, coder=coder, codebook=round_.codebook,
        status=models.CodingStatus.SUBMITTED if submitted else models.CodingStatus.DRAFT,
        submitted_at=timezone.now() if submitted else None)
    attributes = {a.key: a for a in round_.codebook.attributes.prefetch_related("options")}
    evidence = evidence or {}
    for key, value in values.items():
        attribute = attributes[key]
        fields, chosen = {"evidence": evidence.get(key, "")}, []
        if attribute.kind == models.AttributeKind.SINGLE:
            chosen = [o for o in attribute.options.all() if o.key == value]
        elif attribute.kind == models.AttributeKind.MULTI:
            chosen = [o for o in attribute.options.all() if o.key in value]
        elif attribute.kind == models.AttributeKind.NUMBER:
            fields["number"] = value
        elif attribute.kind == models.AttributeKind.BOOLEAN:
            fields["boolean"] = value
        else:
            fields["text"] = value
        row = models.RoundValue.objects.create(coding=coding, attribute=attribute, **fields)
        row.options.set(chosen)
    return coding
