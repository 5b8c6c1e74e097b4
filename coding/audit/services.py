"""The audit log: one call per change to a coding, a consensus value or a membership."""

from datetime import datetime, timedelta

from django.utils import timezone

from coding.dbbulk import insert_rows
from coding.models import AuditEvent, Review

# Autosave writes every few seconds while a coder types; one event per working session of
# one coding keeps the log readable. A pause longer than this starts a new event.
SESSION_GAP = timedelta(minutes=30)


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


def audit_record_draft_save(*, actor, coding, attributes: list[str]) -> AuditEvent:
    """Record a draft save of `coding`, folded into the previous event when that one is the
    same coder's draft save of the same coding, with nothing else logged about the coding in
    between and less than SESSION_GAP ago. The event then says how many saves it covers,
    which attributes changed in any of them, the last version and when the last came."""
    now = timezone.now()
    latest = (
        AuditEvent.objects.filter(
            object_type=coding._meta.label_lower, object_id=str(coding.pk)
        ).order_by("-created_at", "-id").first()
    )
    data = latest.data if latest is not None else {}
    last_at = data.get("last_saved_at") or (latest.created_at.isoformat() if latest else "")
    if (
        latest is not None
        and latest.action == "coding.save_draft"
        and latest.actor_id == actor.pk
        and now - datetime.fromisoformat(last_at) < SESSION_GAP
    ):
        latest.data = {
            "version": coding.version,
            "attributes": sorted(set(data.get("attributes", [])) | set(attributes)),
            "saves": data.get("saves", 1) + 1,
            "last_saved_at": now.isoformat(),
        }
        latest.save(update_fields=["data"])
        return latest
    return audit_record(
        actor=actor, action="coding.save_draft", obj=coding, review=coding.case.review,
        data={"version": coding.version, "attributes": sorted(attributes), "saves": 1,
              "last_saved_at": now.isoformat()},
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
