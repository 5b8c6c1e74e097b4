"""The audit log: one call per change to a coding, a consensus value or a membership."""

from django.utils import timezone

from coding.dbbulk import insert_rows
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


def audit_record_many(*, actor, action: str, model, events) -> int:
    """Append one event per (object id, review id, data) in `events`, all about objects of
    `model`, in bulk (large imports). The same events as audit_record one by one."""
    who = actor.pk if getattr(actor, "is_authenticated", False) else None
    now = timezone.now()
    label = model._meta.label_lower
    return insert_rows(
        AuditEvent, ["review", "actor", "action", "object_type", "object_id", "data",
                     "created_at"],
        ((review_id, who, action, label, str(pk), data or {}, now)
         for pk, review_id, data in events),
    )
