"""The audit log: one call per change to a coding, a consensus value or a membership."""

from coding.models import AuditEvent, Review


def audit_record(
    *, actor, action: str, obj, review: Review | None = None, data: dict | None = None
) -> AuditEvent:
    """Append an event, e.g. audit_record(actor=user, action="coding.submit", obj=coding,
    review=coding.case.review, data={"version": coding.version})."""
    return AuditEvent.objects.create(
        review=review,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )
