"""Reads for the adjudication pages and API: the queue and one case's codings side by side."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy

from coding.adjudication.policies import (
    QueueAction,
    awaiting_discussion,
    awaiting_discussion_q,
    cases_user_may_decide,
    disagreements_to_discuss,
    disagreements_visible_to,
    queue_actions,
)
from coding.models import (
    Assignment,
    Attribute,
    AttributeKind,
    AuditEvent,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementAcceptance,
    DisagreementComment,
    DisagreementStatus,
)
from coding.reviews.languages import in_language
from coding.reviews.policies import page_in_mode, pages_open_to
from coding.values import (
    differing_options,
    stored_value,
    value_display,
    value_from_snapshot,
    value_json,
    value_text,
)

# --- who codes, who decides ------------------------------------------------------


def assigned_codings(case: Case) -> tuple[Coding | None, Coding | None]:
    """The codings of the case's two assigned coders (A = assigned first), with values,
    value options and coder loaded; None where a coder has no coding yet."""
    coder_ids = list(
        Assignment.objects.filter(case=case)
        .order_by("assigned_at", "id")
        .values_list("coder_id", flat=True)[:2]
    )
    codings = {
        c.coder_id: c
        for c in Coding.objects.filter(case=case, coder_id__in=coder_ids)
        .select_related("coder", "codebook")
        .prefetch_related(
            Prefetch(
                "values",
                queryset=CodedValue.objects.select_related("attribute").prefetch_related(
                    "options"
                ),
            )
        )
    }
    found = [codings.get(pk) for pk in coder_ids] + [None, None]
    return found[0], found[1]


def both_submitted(coding_a: Coding | None, coding_b: Coding | None) -> bool:
    return bool(coding_a and coding_b and coding_a.is_submitted and coding_b.is_submitted)


def values_by_attribute_key(coding: Coding) -> dict[str, CodedValue]:
    return {v.attribute.key: v for v in coding.values.all()}



# The adjudication queue's "status" filter: "open" is what waits for an adjudicator (in
# discussion mode, what a coder escalated); "discussing", what the coders still discuss.
QUEUE_STATUSES = {
    DisagreementStatus.OPEN: gettext_lazy("Open disagreements"),
    "discussing": gettext_lazy("Under discussion by the coders"),
    DisagreementStatus.RESOLVED: gettext_lazy("Decided disagreements"),
}


def disagreements_for_queue(disagreements, status: str):
    """`disagreements` in one of QUEUE_STATUSES (the page's and the API's filter)."""
    if status == "discussing":
        return disagreements.filter(awaiting_discussion_q())
    disagreements = disagreements.filter(status=status)
    if status == DisagreementStatus.OPEN:
        disagreements = disagreements.exclude(awaiting_discussion_q())
    return disagreements


def adjudication_queue(
    *, review, user, attribute: str = "", pair: str = "", status: str = DisagreementStatus.OPEN
) -> dict[str, Any]:
    """Cases with disagreements in `status`, filtered by attribute key and coder pair
    ("alice,bob", either order), with facet counts; a fixed number of queries.

    Example: {"cases": [{"number": "7", "title": ..., "coder_a": "alice", "coder_b": "bob",
    "n": 2, "attributes": ["Level", ...], "own": False}], "attributes": [("level", "Level",
    3)], "pairs": [("alice,bob", "alice and bob", 5)], "total": 5}; each row's "action"
    (decide, view, own) is coding.adjudication.policies.queue_actions'.
    """
    base = disagreements_for_queue(
        disagreements_visible_to(user, review, Disagreement.objects.all()), status
    )
    pair_q = Q()
    names = [n for n in pair.split(",") if n][:2]
    if len(names) == 2:
        first, second = names
        pair_q = Q(coding_a__coder__username=first, coding_b__coder__username=second) | Q(
            coding_a__coder__username=second, coding_b__coder__username=first
        )
    attribute_q = Q(attribute__key=attribute) if attribute else Q()

    attributes = list(
        base.filter(pair_q)
        .values("attribute__key", "attribute__label", "attribute__translations")
        .annotate(n=Count("pk"))
        .order_by("attribute__section__order", "attribute__order", "attribute__key")
    )
    # Several codebook versions may share a key; one facet per key.
    facets: dict[str, list] = {}
    for row in attributes:
        label = in_language(row["attribute__label"],
                            (row["attribute__translations"] or {}).get("label"))
        facet = facets.setdefault(row["attribute__key"], [label, 0])
        facet[1] += row["n"]
    pairs: dict[str, int] = {}
    for row in (
        base.filter(attribute_q)
        .values("coding_a__coder__username", "coding_b__coder__username")
        .annotate(n=Count("pk"))
    ):
        key = ",".join(sorted([row["coding_a__coder__username"],
                               row["coding_b__coder__username"]]))
        pairs[key] = pairs.get(key, 0) + row["n"]

    chosen = base.filter(pair_q, attribute_q)
    cases = list(
        chosen.values(
            "case_id", "case__number", "case__title", "case__sort_key",
            "coding_a__coder__username", "coding_b__coder__username",
        )
        .annotate(n=Count("pk"))
        .order_by("case__sort_key", "case__number")
    )
    labels: dict[int, list[str]] = {}
    for case_id, label, said in chosen.order_by(
        "attribute__section__order", "attribute__order"
    ).values_list("case_id", "attribute__label", "attribute__translations"):
        # In the reader's language (coding.reviews.languages).
        labels.setdefault(case_id, []).append(in_language(label, (said or {}).get("label")))
    actions = queue_actions(user, review, [c["case_id"] for c in cases], status)
    rows = [
        {
            "number": c["case__number"], "title": c["case__title"],
            "coder_a": c["coding_a__coder__username"], "coder_b": c["coding_b__coder__username"],
            "n": c["n"], "attributes": labels.get(c["case_id"], []),
            "own": actions[c["case_id"]] == QueueAction.OWN,
            "action": actions[c["case_id"]],
        }
        for c in cases
    ]
    return {
        "cases": rows,
        "attributes": [(key, label, n) for key, (label, n) in facets.items()],
        "pairs": [(key, key.replace(",", " and "), n) for key, n in sorted(pairs.items())],
        "total": sum(r["n"] for r in rows),
    }


@dataclass
class AttributeRow:
    """One attribute on the adjudication page."""

    attribute: Attribute
    a: Any = None  # display values
    b: Any = None
    stored_a: CodedValue | None = None
    stored_b: CodedValue | None = None
    state: str = "blank"  # agreed, open, resolved, text, blank, pending
    consensus: ConsensusValue | None = None
    consensus_display: Any = None
    disagreement: Disagreement | None = None
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    form: Any = None
    reopen_form: Any = None
    thread: dict | None = None  # discussion_threads' entry for the disagreement
    discussing: bool = False  # the coders discuss it still (discussion mode)
    comment_form: Any = None
    propose_form: Any = None
    escalate_form: Any = None

    @property
    def version(self) -> int:
        return self.consensus.version if self.consensus else 0


def case_adjudication(*, case: Case) -> dict[str, Any]:
    """Everything the adjudication page shows for one case, in a fixed number of queries.

    Codings are only returned once both assigned coders have submitted (blind coding).
    """
    coding_a, coding_b = assigned_codings(case)
    if not both_submitted(coding_a, coding_b):
        return {"ready": False, "coding_a": None, "coding_b": None, "sections": [],
                "open": 0, "resolved": 0, "agreed": 0}
    attributes = list(
        coding_a.codebook.attributes.select_related("section").prefetch_related("options")
    )
    values_a = values_by_attribute_key(coding_a)
    values_b = values_by_attribute_key(coding_b)
    consensus = {
        c.attribute_id: c
        for c in ConsensusValue.objects.filter(case=case)
        .select_related("decided_by")
        .prefetch_related("options")
    }
    revisions: dict[int, list] = {}
    for revision in ConsensusRevision.objects.filter(consensus__case=case).select_related(
        "changed_by"
    ).order_by("changed_at", "id"):
        revisions.setdefault(revision.consensus_id, []).append(revision)
    disagreements = {
        d.attribute_id: d
        for d in Disagreement.objects.filter(case=case).select_related("escalated_by")
    }
    reopenings: dict[str, list] = {}
    for event in AuditEvent.objects.filter(
        review=case.review, action="disagreement.reopen",
        object_id__in=[str(d.pk) for d in disagreements.values()],
    ).select_related("actor").order_by("created_at", "id"):
        reopenings.setdefault(event.object_id, []).append(event)

    sections: dict[int, dict] = {}
    counts = {"open": 0, "resolved": 0, "agreed": 0}
    for attribute in attributes:
        stored_a, stored_b = values_a.get(attribute.key), values_b.get(attribute.key)
        a, b = stored_value(attribute, stored_a), stored_value(attribute, stored_b)
        row = AttributeRow(
            attribute=attribute, a=value_display(attribute, a), b=value_display(attribute, b),
            stored_a=stored_a, stored_b=stored_b,
            consensus=consensus.get(attribute.pk), disagreement=disagreements.get(attribute.pk),
        )
        if attribute.kind == AttributeKind.MULTI:
            only_a, only_b = differing_options(a, b)
            row.only_a = value_display(attribute, frozenset(only_a)) or []
            row.only_b = value_display(attribute, frozenset(only_b)) or []
        if row.consensus is not None:
            value = stored_value(attribute, row.consensus)
            if attribute.kind == AttributeKind.MULTI:
                value = value or frozenset()
            row.consensus_display = value_text(value_display(attribute, value))
            row.history = [
                {"when": r.changed_at, "who": r.changed_by, "kind": r.method,
                 "before": value_text(value_from_snapshot(attribute, r.before)),
                 "after": value_text(value_from_snapshot(attribute, r.after)),
                 "why": r.rationale}
                for r in revisions.get(row.consensus.pk, [])
            ]
        if row.disagreement is not None:
            row.state = row.disagreement.status
            row.history += [
                {"when": e.created_at, "who": e.actor, "kind": "reopen",
                 "why": e.data.get("reason", "")}
                for e in reopenings.get(str(row.disagreement.pk), [])
            ]
            row.history.sort(key=lambda step: step["when"])
        elif attribute.kind == AttributeKind.TEXT:
            row.state = "text"
        elif row.consensus is not None:
            row.state = "agreed" if row.consensus.method == ConsensusMethod.AGREED else "resolved"
        if row.state in counts:
            counts[row.state] += 1
        section = sections.setdefault(
            attribute.section_id, {"section": attribute.section, "rows": []}
        )
        section["rows"].append(row)
    return {"ready": True, "coding_a": coding_a, "coding_b": coding_b,
            "sections": list(sections.values()), **counts}


# --- the API's view of disagreements -------------------------------------------------


def _side(coding: Coding, stored, attribute) -> dict:
    # Only ready disagreements reach here (policies.disagreements_visible_to): both codings
    # are submitted and the caller is not blind on the case.
    visible = coding.status == CodingStatus.SUBMITTED
    return {
        "coder": coding.coder.username,
        "submitted": visible,
        "value": value_json(stored_value(attribute, stored)) if visible else None,
        "evidence": stored.evidence if visible and stored else "",
        "note": stored.note if visible and stored else "",
    }


def disagreement_rows(disagreements: list[Disagreement], *, user) -> list[dict]:
    """Both sides and the current consensus of each disagreement, and whether `user` may
    decide it, in a few queries per case."""
    case_ids = {d.case_id for d in disagreements}
    decidable = (
        cases_user_may_decide(user, disagreements[0].case.review, case_ids) if case_ids else set()
    )
    coded = {
        (v.coding_id, v.attribute_id): v
        for v in CodedValue.objects.filter(
            coding_id__in={i for d in disagreements for i in (d.coding_a_id, d.coding_b_id)},
            attribute_id__in={d.attribute_id for d in disagreements},
        ).prefetch_related("options")
    }
    consensus = {
        (c.case_id, c.attribute_id): c
        for c in ConsensusValue.objects.filter(
            case_id__in={d.case_id for d in disagreements},
            attribute_id__in={d.attribute_id for d in disagreements},
        ).prefetch_related("options")
    }
    rows = []
    for d in disagreements:
        attribute = d.attribute
        a = _side(d.coding_a, coded.get((d.coding_a_id, d.attribute_id)), attribute)
        b = _side(d.coding_b, coded.get((d.coding_b_id, d.attribute_id)), attribute)
        only_a = only_b = None
        if attribute.kind == AttributeKind.MULTI and a["submitted"] and b["submitted"]:
            only_a, only_b = differing_options(frozenset(a["value"] or ()),
                                               frozenset(b["value"] or ()))
        current = consensus.get((d.case_id, d.attribute_id))
        rows.append({
            "id": d.pk, "case": d.case.number, "attribute": attribute.key,
            "kind": attribute.kind, "status": d.status, "detected_at": d.detected_at,
            "resolved_at": d.resolved_at, "a": a, "b": b, "only_a": only_a, "only_b": only_b,
            "consensus": None if current is None else {
                "value": value_json(stored_value(attribute, current)),
                "method": current.method, "rationale": current.rationale,
                "version": current.version,
            },
            "consensus_version": current.version if current else 0,
            "may_decide": d.case_id in decidable and not awaiting_discussion(d),
            "under_discussion": awaiting_discussion(d),
            "escalated_at": d.escalated_at,
        })
    return rows


# --- discussion ----------------------------------------------------------------------


def _name(user) -> str:
    if user is None:
        return "(removed account)"
    return user.get_full_name() or user.username


def discussion_threads(disagreements: list[Disagreement], *, viewer) -> dict[int, dict]:
    """Each disagreement's thread, in three queries: its comments (oldest first), the
    proposal each of its two coders accepts now, whether it is escalated.

    Example: {12: {"comments": [{"id": 4, "author": "Alice", "author_username": "alice",
    "mine": True, "body": "Page 2 says state.", "proposal": "state", "proposal_display":
    "State", "accepted_by": ["Alice"], "created_at": ...}], "accepted": {"alice": 4},
    "escalated_at": None, "escalated_by": ""}}
    """
    ids = [d.pk for d in disagreements]
    by_id = {d.pk: d for d in disagreements}
    accepted: dict[int, dict[int, set[int]]] = {}
    names: dict[int, str] = {}
    usernames: dict[int, dict[str, int]] = {}
    for row in DisagreementAcceptance.objects.filter(disagreement_id__in=ids).select_related(
        "coder"
    ):
        accepted.setdefault(row.disagreement_id, {}).setdefault(row.proposal_id, set()).add(
            row.coder_id
        )
        names[row.coder_id] = _name(row.coder)
        usernames.setdefault(row.disagreement_id, {})[row.coder.username] = row.proposal_id
    threads = {
        pk: {"comments": [], "accepted": usernames.get(pk, {}), "escalated_at": d.escalated_at,
             "escalated_by": _name(d.escalated_by) if d.escalated_by_id else ""}
        for pk, d in by_id.items()
    }
    for comment in DisagreementComment.objects.filter(disagreement_id__in=ids).select_related(
        "author"
    ).order_by("created_at", "id"):
        attribute = by_id[comment.disagreement_id].attribute
        display = None
        if comment.is_proposal:
            value = comment.proposal
            if attribute.kind == AttributeKind.MULTI:
                value = frozenset(value or ())
            display = value_text(value_display(attribute, value))
        acceptor_ids = accepted.get(comment.disagreement_id, {}).get(comment.pk, set())
        acceptors = sorted(names[coder] for coder in acceptor_ids)
        threads[comment.disagreement_id]["comments"].append({
            "id": comment.pk, "author": _name(comment.author),
            "author_username": comment.author.username if comment.author else "",
            "mine": comment.author_id == viewer.pk, "body": comment.body,
            "proposal": comment.proposal, "proposal_display": display,
            "accepted_by": acceptors, "accepted_by_me": viewer.pk in acceptor_ids,
            "created_at": comment.created_at,
        })
    return threads


def discussion_queue(*, review, user) -> dict[str, Any]:
    """The cases whose disagreements `user` discusses (coding.adjudication.policies), with
    counts per state, in two queries.

    Example: {"cases": [{"number": "7", "title": ..., "partner": "bob", "discussing": 2,
    "escalated": 0, "settled": 1}], "discussing": 2}
    """
    mine = disagreements_to_discuss(user, review, Disagreement.objects.all())
    open_q = Q(status=DisagreementStatus.OPEN)
    rows = list(
        mine.values("case_id", "case__number", "case__title", "case__sort_key",
                    "coding_a__coder__username", "coding_b__coder__username")
        .annotate(
            discussing=Count("pk", filter=open_q & Q(escalated_at__isnull=True)),
            escalated=Count("pk", filter=open_q & Q(escalated_at__isnull=False)),
            settled=Count("pk", filter=Q(status=DisagreementStatus.RESOLVED)),
        )
        .order_by("case__sort_key", "case__number")
    )
    cases = [
        {"number": r["case__number"], "title": r["case__title"],
         "partner": r["coding_b__coder__username"]
         if r["coding_a__coder__username"] == user.username
         else r["coding_a__coder__username"],
         "discussing": r["discussing"], "escalated": r["escalated"], "settled": r["settled"]}
        for r in rows
    ]
    return {"cases": cases, "discussing": sum(c["discussing"] for c in cases)}


def discussion_nav(*, review, user) -> dict[str, Any] | None:
    """The review's "Discussion" link for `user`, or None (no link; a review in adjudicator
    mode has none: reviews.policies.PAGE_MODES). A coder goes to their disagreements to
    discuss, with how many wait for them (open, not escalated; one query, and only
    disagreements both coders submitted, as the discussion page lists them); an adjudicator
    or lead who does not code goes to the adjudication queue's disagreements under discussion.

    Example: {"url": "/reviews/demo/discussion/", "waiting": 2,
    "current": ("discussion_queue", "discussion_case")} (the pages where the link is marked
    as the current one)
    """
    pages = pages_open_to(user, review)
    if "discussion" in pages:
        waiting = disagreements_to_discuss(
            user, review, Disagreement.objects.filter(awaiting_discussion_q())).count()
        return {"url": reverse("coding:discussion_queue", args=[review.slug]),
                "waiting": waiting, "current": ("discussion_queue", "discussion_case")}
    if "adjudication" in pages and page_in_mode("discussion", review):
        return {"url": reverse("coding:adjudication_queue", args=[review.slug])
                + "?status=discussing", "waiting": None, "current": ()}
    return None
