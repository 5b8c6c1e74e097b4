"""Stage one from end to end, across its packages: two searches imported from RIS with known
duplicates (coding.records), duplicates settled, blind double screening at title/abstract and
full text with a conflict adjudicated (coding.screening), included records made cases, and the
PRISMA flow (coding.prisma) counting every box from what happened."""

from rest_framework.test import APIClient

from coding.models import Record, Review, ScreeningConflict
from coding.prisma.selectors import prisma_flow
from coding.records.services import (
    cases_from_included_records,
    duplicate_confirm,
    duplicate_split,
    records_import,
)
from coding.screening.services import (
    screening_assign,
    screening_conflict_decide,
    screening_decide,
    screening_settings_save,
)
from tests.records.data import GI_RIS, NESTA_RIS


def _import(review, lead, tmp_path, name, text, source):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return records_import(review=review, path=path, source=source, actor=lead)


def test_records_flow_from_import_to_cases_and_the_prisma_counts_follow(
        tmp_path, review, lead, coder_a, coder_b, adjudicator):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    _import(review, lead, tmp_path, "nesta.ris", NESTA_RIS, "Nesta")
    _import(review, lead, tmp_path, "gi.ris", GI_RIS, "Governance International")
    suspected = list(Record.objects.filter(review=review, duplicate_status="suspected")
                     .order_by("pk"))
    assert len(suspected) == 2
    duplicate_confirm(record=suspected[0], actor=lead)
    duplicate_split(record=suspected[1], actor=lead)  # checked: not a duplicate after all
    screening_settings_save(review=review, user=lead, stages="both",
                            criteria="Coproduction with citizens.",
                            reasons=["No citizens", "No outcomes"])
    kept = list(Record.objects.filter(review=review).exclude(duplicate_status="confirmed")
                .order_by("pk"))
    assert len(kept) == 6

    assert screening_assign(review=review, user=lead, stage="title_abstract",
                            screeners=[coder_a, coder_b]) == 12
    # Title/abstract: four agreed includes, one agreed exclude, one conflict (include vs
    # exclude) that the adjudicator includes.
    for record in kept[:4]:
        for screener in (coder_a, coder_b):
            screening_decide(record=record, stage="title_abstract", user=screener,
                             decision="include")
    for screener in (coder_a, coder_b):
        screening_decide(record=kept[4], stage="title_abstract", user=screener,
                         decision="exclude")
    screening_decide(record=kept[5], stage="title_abstract", user=coder_a, decision="include")
    screening_decide(record=kept[5], stage="title_abstract", user=coder_b, decision="exclude")
    conflict = ScreeningConflict.objects.get(record=kept[5], stage="title_abstract")
    screening_conflict_decide(conflict=conflict, user=adjudicator, decision="include",
                              rationale="The summary names the residents' panel.")

    # Full text: the five included records; one report is not retrieved; of the four
    # assessed, two are included and two excluded with reasons.
    included_ta = kept[:4] + [kept[5]]
    Record.objects.filter(pk=kept[3].pk).update(full_text_retrieved=False)
    assert screening_assign(review=review, user=lead, stage="full_text",
                            screeners=[coder_a, coder_b]) >= 8
    reasons = {r.label: r for r in review.exclusion_reasons.all()}
    plan = {kept[0].pk: ("include", None), kept[1].pk: ("include", None),
            kept[2].pk: ("exclude", reasons["No citizens"]),
            kept[5].pk: ("exclude", reasons["No outcomes"])}
    for record in included_ta:
        if record.pk not in plan:
            continue
        decision, reason = plan[record.pk]
        for screener in (coder_a, coder_b):
            screening_decide(record=record, stage="full_text", user=screener,
                             decision=decision, reason=reason)

    cases = cases_from_included_records(review=review, actor=lead)
    assert sorted(case.record.pk for case in cases) == sorted([kept[0].pk, kept[1].pk])
    assert cases_from_included_records(review=review, actor=lead) == []  # once only

    flow = prisma_flow(review)
    assert flow.sources == [("Nesta", 4), ("Governance International", 3)]
    assert flow.counts == {
        "identified": 7, "duplicates_removed": 1, "automation_removed": None,
        "other_removed": None, "screened": 6, "screened_excluded": 1, "sought": 5,
        "not_retrieved": 1, "assessed": 4, "assessed_excluded": 2, "included": 2,
    }
    assert flow.reasons == [("No citizens", 1), ("No outcomes", 1)]
    # The public API says the same (readers of a published review).
    data = APIClient().get(f"/api/reviews/{review.slug}/prisma/").json()
    assert {k: v["count"] for k, v in data["boxes"].items()} == flow.counts
