from django.contrib import admin
from django.utils.translation import gettext_lazy

from coding import models
from coding.adjudication.policies import comments_visible_to
from coding.audit.policies import audit_events_visible_to
from coding.codings.policies import codings_visible_to
from coding.members.services import membership_delete, membership_save
from coding.reliability.services import reliability_changed
from coding.reviews.policies import (
    admin_reviews,
    may_administer,
    may_change_resolution_mode,
    may_create_review,
    may_delete_reviews,
    may_publish,
)
from coding.reviews.services import (
    review_create,
    review_data_changed,
    review_delete,
    review_set_published,
    review_set_resolution_mode,
)
from coding.rounds.policies import round_codings_visible_to
from coding.screening.policies import (
    all_conflicts_visible_to,
    decisions_visible_to,
    outcomes_visible_to,
)
from coding.web.signin import AdminSignInForm

# List filters offer only the reviews, coders and attributes the viewer can see.
ONLY_USED = admin.RelatedOnlyFieldListFilter

# The admin's sign-in page is locked out like ours (django-axes; coding/web/signin.py).
admin.site.login_form = AdminSignInForm


# The path from each model to its review: staff who lead a review administer that review's
# data and nothing else; superusers see everything.
REVIEW_PATH = {
    models.Review: "pk",
    models.Membership: "review",
    models.Codebook: "review",
    models.Section: "codebook__review",
    models.Attribute: "codebook__review",
    models.Option: "attribute__codebook__review",
    models.Case: "review",
    models.Assignment: "case__review",
    models.Coding: "case__review",
    models.CodedValue: "coding__case__review",
    models.ConsensusValue: "case__review",
    models.Disagreement: "case__review",
    models.DisagreementComment: "disagreement__case__review",
    models.ConsensusRevision: "consensus__case__review",
    models.AuditEvent: "review",
    models.Round: "review",
    models.RoundCoding: "round__review",
    models.RoundValue: "coding__round__review",
    models.ScreeningAssignment: "record__review",
    models.ScreeningDecision: "record__review",
    models.ScreeningConflict: "record__review",
    models.ScreeningOutcome: "record__review",
}


# Rows the blind-coding rule governs are filtered by the policies of their domain, for
# superusers too: someone who codes a case sees nothing of its other coding here either.
POLICY = {
    models.Coding: lambda user, rows: codings_visible_to(user, rows),
    models.CodedValue: lambda user, rows: rows.filter(
        coding__in=codings_visible_to(user, models.Coding.objects.all())
    ),
    models.AuditEvent: lambda user, rows: audit_events_visible_to(user, rows),
    models.DisagreementComment: lambda user, rows: comments_visible_to(user, rows),
    models.RoundCoding: lambda user, rows: round_codings_visible_to(user, rows),
    models.RoundValue: lambda user, rows: rows.filter(
        coding__in=round_codings_visible_to(user, models.RoundCoding.objects.all())
    ),
    # Screening: a screener's decision under the blind rule of screening.
    models.ScreeningDecision: lambda user, rows: decisions_visible_to(user, rows),
    models.ScreeningConflict: lambda user, rows: all_conflicts_visible_to(user, rows),
    models.ScreeningOutcome: lambda user, rows: outcomes_visible_to(user, rows),
}


def scoped(queryset, user):
    """The rows of `queryset` that `user` may administer: those of the reviews they lead
    (every review for superusers), as the domain policies allow."""
    reviews = admin_reviews(user)
    rows = queryset
    if reviews is not None:
        rows = rows.filter(**{f"{REVIEW_PATH[queryset.model]}__in": reviews})
    if queryset.model in POLICY:
        rows = POLICY[queryset.model](user, rows)
    return rows


class LeadPermissions:
    """Staff review leads use the admin without model permissions (rows are scoped below)."""

    def has_view_permission(self, request, obj=None):
        return may_administer(request.user)

    def has_add_permission(self, request, *args):
        return may_administer(request.user)

    def has_change_permission(self, request, obj=None):
        return may_administer(request.user)

    def has_delete_permission(self, request, obj=None):
        return may_administer(request.user)

    def get_autocomplete_fields(self, request):
        # Autocompletion asks the related admin (e.g. users) for permission that leads lack.
        if may_delete_reviews(request.user):
            return super().get_autocomplete_fields(request)
        return ()


def _review_ids(model, pks) -> set[int]:
    """The reviews whose readers see rows `pks` of `model` (a service area: every review with
    a case in it)."""
    if model is models.ServiceArea:
        rows = models.Case.service_areas.through.objects.filter(servicearea_id__in=pks)
        return set(rows.values_list("case__review_id", flat=True).distinct())
    if model not in REVIEW_PATH:
        return set()
    return set(model.objects.filter(pk__in=pks).values_list(REVIEW_PATH[model], flat=True))


def _data_changed(review_ids) -> None:
    """An edit in the admin changes what readers see: bump each review's data version. It may
    change the reliability figures too (a level, an option, a deleted case): a snapshot of the
    new state is queued, if the state did change."""
    for review_id in review_ids:
        if review_id is not None:
            review_data_changed(review=review_id)
            reliability_changed(review=review_id)


class ReviewScopedAdmin(LeadPermissions, admin.ModelAdmin):
    """Each lead sees and edits the rows of the reviews they lead. Every save or delete
    bumps the data version of the reviews concerned (cached reader data follows it)."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # after save_model
        _data_changed(_review_ids(type(form.instance), [form.instance.pk]))

    def delete_model(self, request, obj):
        reviews = _review_ids(type(obj), [obj.pk])
        super().delete_model(request, obj)
        _data_changed(reviews)

    def delete_queryset(self, request, queryset):
        reviews = _review_ids(queryset.model, list(queryset.values_list("pk", flat=True)))
        super().delete_queryset(request, queryset)
        _data_changed(reviews)

    def has_module_permission(self, request):
        return may_administer(request.user)

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in REVIEW_PATH:
            kwargs["queryset"] = scoped(db_field.related_model.objects.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model in REVIEW_PATH:
            kwargs["queryset"] = scoped(db_field.related_model.objects.all(), request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedInline(LeadPermissions):
    """Inlines show the rows of a parent the admin has already scoped."""


class ReadOnly:
    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnly, ReviewScopedAdmin):
    """The admin writes only through the services, which check who may and record every
    change in the audit log. Where it has none to call (codings, assignments, consensus
    values and their history change on the app's pages and API; codebooks, cases and service
    areas by import: `import_codebook`, `import_cases`, the Import page), it shows the rows
    but does not edit them behind the log's back."""


class ReadOnlyInline(ReadOnly, ScopedInline):
    pass


class MembershipInline(ScopedInline, admin.TabularInline):
    model = models.Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(models.Review)
class ReviewAdmin(ReviewScopedAdmin):
    """Every write through the review services (coding.reviews.services), which check and
    audit: whoever may_create_review allows creates a review (and leads it), a superuser
    deletes one; its leads publish it and choose how
    disagreements are settled (the form refuses what the policies refuse). The slug, title
    and description are set when the review is created."""

    list_display = ["title", "slug", "is_published", "created_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "slug", "description"]
    inlines = [MembershipInline]
    CHECKED = {
        "is_published": (may_publish, gettext_lazy(
            "Only a lead of this review can publish or withdraw it.")),
        "resolution_mode": (may_change_resolution_mode, gettext_lazy(
            "Only a lead of this review can change how disagreements are settled.")),
    }

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else {"slug": ["title"]}

    def get_readonly_fields(self, request, obj=None):
        return ["slug", "title", "description"] if obj else []

    def get_exclude(self, request, obj=None):
        return [] if obj else ["is_published"]  # published later, by a lead

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        checked, user = self.CHECKED, request.user

        class PolicyCheckedForm(form):
            def clean(self):
                data = super().clean()
                for field in self.changed_data if self.instance.pk else ():
                    if field in checked and not checked[field][0](user, self.instance):
                        self.add_error(field, checked[field][1])
                return data

        return PolicyCheckedForm

    def save_model(self, request, obj, form, change):
        if not change:
            # The one way a review is made (checked, audited, its creator its lead); `obj`
            # becomes the saved review so that the inline memberships attach to it.
            review = review_create(slug=obj.slug, title=obj.title, actor=request.user,
                                   description=obj.description,
                                   resolution_mode=obj.resolution_mode)
            obj.__dict__.update(review.__dict__)
            return
        stored = models.Review.objects.get(pk=obj.pk)
        if obj.is_published != stored.is_published:
            review_set_published(review=stored, actor=request.user, published=obj.is_published)
        if obj.resolution_mode != stored.resolution_mode:
            review_set_resolution_mode(review=stored, actor=request.user,
                                       mode=obj.resolution_mode)

    # A lead manages the reviews they lead; who creates reviews is the policy's
    # (REVIEW_CREATORS), among those the admin serves; deleting them is for superusers.
    def has_add_permission(self, request, *args):
        return may_administer(request.user) and may_create_review(request.user)

    def has_delete_permission(self, request, obj=None):
        return may_delete_reviews(request.user)

    def get_deleted_objects(self, objs, request):
        # review_delete removes everything in the review (its read-only rows and audit log
        # too) and records the deletion: the per-model delete permissions, which the
        # read-only admins refuse, do not apply.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request, obj):
        review_delete(review=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for review in queryset:
            review_delete(review=review, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not models.Membership:
            return super().save_formset(request, form, formset, change)
        # Saved through the member services (not formset.save()), the one writer of
        # memberships, which audits every change.
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership_delete(membership=membership, actor=request.user)
        changed = {obj.pk: fields for obj, fields in formset.changed_objects}
        for membership in instances:
            if membership.pk is None and models.Membership.objects.filter(
                review=membership.review, user=membership.user, role=membership.role
            ).exists():
                continue  # the creator listed as lead of the review they just created
            membership_save(
                membership=membership, actor=request.user, changed=changed.get(membership.pk, ())
            )
        formset.save_m2m()


@admin.register(models.Membership)
class MembershipAdmin(ReviewScopedAdmin):
    list_display = ["user", "role", "review", "created_at"]
    list_filter = ["role", ("review", ONLY_USED)]
    search_fields = ["user__username", "user__first_name", "user__last_name", "review__title"]
    autocomplete_fields = ["user"]

    # Every write goes through the member services (coding/members/services.py), which audit.
    def save_model(self, request, obj, form, change):
        membership_save(
            membership=obj, actor=request.user, changed=form.changed_data if change else ()
        )

    def delete_model(self, request, obj):
        membership_delete(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "review"):
            membership_delete(membership=membership, actor=request.user)


class SectionInline(ReadOnlyInline, admin.TabularInline):
    model = models.Section
    extra = 0


@admin.register(models.Codebook)
class CodebookAdmin(ReadOnlyAdmin):
    list_display = ["title", "review", "version", "created_at"]
    list_filter = [("review", ONLY_USED)]
    search_fields = ["title", "review__title"]
    inlines = [SectionInline]


@admin.register(models.Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ["title", "codebook", "order"]
    list_filter = [("codebook__review", ONLY_USED), ("codebook", ONLY_USED)]
    search_fields = ["title"]


class OptionInline(ReadOnlyInline, admin.TabularInline):
    model = models.Option
    extra = 1


@admin.register(models.Attribute)
class AttributeAdmin(ReadOnlyAdmin):
    list_display = ["label", "key", "kind", "required", "section", "order", "codebook"]
    list_filter = ["kind", "required", ("codebook__review", ONLY_USED), ("codebook", ONLY_USED)]
    search_fields = ["key", "label", "help_text"]
    list_select_related = ["section", "codebook"]
    inlines = [OptionInline]


@admin.register(models.Option)
class OptionAdmin(ReadOnlyAdmin):
    list_display = ["label", "key", "attribute", "order", "is_none"]
    list_filter = [("attribute__codebook__review", ONLY_USED), ("attribute", ONLY_USED)]
    search_fields = ["key", "label"]


@admin.register(models.ServiceArea)
class ServiceAreaAdmin(ReadOnlyAdmin):
    # Shared by every review, made by the cases import (the names in the file).
    list_display = ["name", "slug"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)


@admin.register(models.Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "country", "region", "year", "review"]
    list_filter = [("review", ONLY_USED), "region", "country", "service_areas", "year"]
    search_fields = ["number", "title", "country", "summary", "source"]
    filter_horizontal = ["service_areas"]
    readonly_fields = ["region", "created_at", "updated_at"]


@admin.register(models.Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    # Assign on the review's Progress page (coding.services): it keeps submitted codings
    # assigned and audits every change.
    list_display = ["case", "coder", "assigned_by", "assigned_at"]
    list_filter = [("case__review", ONLY_USED), ("coder", ONLY_USED)]
    search_fields = ["case__number", "case__title", "coder__username"]
    autocomplete_fields = ["case", "coder"]


class CodedValueInline(ReadOnlyInline, admin.StackedInline):
    model = models.CodedValue
    extra = 0
    filter_horizontal = ["options"]


@admin.register(models.Coding)
class CodingAdmin(ReadOnlyAdmin):
    list_display = ["case", "coder", "status", "version", "updated_at", "submitted_at"]
    list_filter = ["status", ("case__review", ONLY_USED), ("coder", ONLY_USED)]
    search_fields = ["case__number", "case__title", "coder__username"]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "version"]
    inlines = [CodedValueInline]


@admin.register(models.CodedValue)
class CodedValueAdmin(ReadOnlyAdmin):
    list_display = ["attribute", "coding", "text", "number", "boolean"]
    list_filter = [("attribute__codebook__review", ONLY_USED), ("attribute", ONLY_USED)]
    search_fields = ["coding__case__title", "evidence", "note", "text"]
    filter_horizontal = ["options"]


class ConsensusRevisionInline(ReadOnlyInline, admin.TabularInline):
    model = models.ConsensusRevision
    extra = 0
    readonly_fields = ["changed_by", "changed_at", "method", "before", "after", "rationale"]
    can_delete = False


@admin.register(models.ConsensusValue)
class ConsensusValueAdmin(ReadOnlyAdmin):
    list_display = ["case", "attribute", "method", "decided_by", "decided_at"]
    list_filter = ["method", ("case__review", ONLY_USED), ("attribute", ONLY_USED)]
    search_fields = ["case__number", "case__title", "rationale", "evidence"]
    filter_horizontal = ["options"]
    inlines = [ConsensusRevisionInline]


@admin.register(models.Disagreement)
class DisagreementAdmin(ReadOnlyAdmin):
    list_display = ["case", "attribute", "status", "detected_at", "resolved_at", "escalated_at"]
    list_filter = ["status", ("case__review", ONLY_USED), ("attribute", ONLY_USED)]
    search_fields = ["case__number", "case__title"]


@admin.register(models.DisagreementComment)
class DisagreementCommentAdmin(ReadOnlyAdmin):
    """Threads of disagreements, read-only (comments are written on the discussion and
    adjudication pages, through coding.adjudication.services)."""

    list_display = ["disagreement", "author", "created_at", "body", "proposal"]
    list_filter = [("disagreement__case__review", ONLY_USED)]
    search_fields = ["body", "disagreement__case__number"]


@admin.register(models.ConsensusRevision)
class ConsensusRevisionAdmin(ReadOnlyAdmin):
    list_display = ["consensus", "method", "changed_by", "changed_at"]
    list_filter = ["method", ("consensus__case__review", ONLY_USED)]
    search_fields = ["rationale", "consensus__case__title"]


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReviewScopedAdmin):
    list_display = ["created_at", "actor", "action", "object_type", "object_id", "review"]
    list_filter = ["action", "object_type", ("review", ONLY_USED)]
    search_fields = ["actor__username", "object_id", "action"]
    readonly_fields = [f.name for f in models.AuditEvent._meta.fields]

    # Append-only, for everyone.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Calibration rounds: created and coded through their pages and API (coding.rounds.services),
# shown here read-only, round codings under the round's blind rule.
@admin.register(models.Round)
class RoundAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "review", "codebook", "status", "created_at",
                    "completed_at", "promoted_at"]
    list_filter = [("review", ONLY_USED), "status"]
    search_fields = ["title"]
    filter_horizontal = ["cases", "coders"]


class RoundValueInline(ReadOnlyInline, admin.StackedInline):
    model = models.RoundValue
    extra = 0
    filter_horizontal = ["options"]


@admin.register(models.RoundCoding)
class RoundCodingAdmin(ReadOnlyAdmin):
    list_display = ["round", "case", "coder", "status", "version", "updated_at", "submitted_at"]
    list_filter = ["status", ("round__review", ONLY_USED), ("coder", ONLY_USED)]
    search_fields = ["case__number", "case__title", "coder__username"]
    readonly_fields = ["created_at", "updated_at", "submitted_at", "version"]
    inlines = [RoundValueInline]


@admin.register(models.RoundValue)
class RoundValueAdmin(ReadOnlyAdmin):
    list_display = ["attribute", "coding", "text", "number", "boolean"]
    list_filter = [("attribute__codebook__review", ONLY_USED)]
    search_fields = ["coding__case__title", "evidence", "note", "text"]
    filter_horizontal = ["options"]


# Eligibility screening: decided on the screening pages and API (coding.screening.services),
# shown here read-only; decisions, conflicts and outcomes under screening's blind rule.
@admin.register(models.ScreeningAssignment)
class ScreeningAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "screener", "assigned_by", "assigned_at"]
    list_filter = ["stage", ("record__review", ONLY_USED), ("screener", ONLY_USED)]
    search_fields = ["record__title", "screener__username"]


@admin.register(models.ScreeningDecision)
class ScreeningDecisionAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "screener", "decision", "reason", "version",
                    "decided_at"]
    # No filter by decision: its counts would tell a screener the other's decisions.
    list_filter = ["stage", ("record__review", ONLY_USED)]
    search_fields = ["record__title", "screener__username"]


@admin.register(models.ScreeningConflict)
class ScreeningConflictAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "status", "detected_at", "resolved_at", "escalated_at"]
    list_filter = ["status", "stage", ("record__review", ONLY_USED)]
    search_fields = ["record__title"]


@admin.register(models.ScreeningOutcome)
class ScreeningOutcomeAdmin(ReadOnlyAdmin):
    list_display = ["record", "stage", "decision", "reason", "method", "decided_by",
                    "decided_at"]
    list_filter = ["stage", "method", ("record__review", ONLY_USED)]
    search_fields = ["record__title", "rationale"]
