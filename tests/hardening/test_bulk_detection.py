"""The bulk detection of a large import writes exactly what case-by-case detection writes."""

import io

from django.core.management import call_command

from coding.adjudication import bulk
from coding.models import AuditEvent, ConsensusRevision, ConsensusValue, Disagreement
from tests import factories
from tests.test_codings_import import GOOD


def _state(review):
    consensus = sorted(
        (c.case.number, c.attribute.key, c.method, c.evidence, c.number, c.boolean, c.version,
         sorted(o.key for o in c.options.all()))
        for c in ConsensusValue.objects.filter(case__review=review)
        .select_related("case", "attribute").prefetch_related("options")
    )
    disagreements = sorted(
        (d.case.number, d.attribute.key, d.coding_a.coder.username, d.coding_b.coder.username,
         d.status)
        for d in Disagreement.objects.filter(case__review=review).select_related(
            "case", "attribute", "coding_a__coder", "coding_b__coder")
    )
    revisions = sorted(
        (r.consensus.case.number, r.consensus.attribute.key, r.method, repr(r.before),
         repr(r.after), r.rationale)
        for r in ConsensusRevision.objects.filter(consensus__case__review=review)
        .select_related("consensus__case", "consensus__attribute")
    )
    events = sorted(
        (e.action, e.object_type, repr(sorted(e.data.items())))
        for e in AuditEvent.objects.filter(review=review)
    )
    return consensus, disagreements, revisions, events


def test_bulk_and_case_by_case_detection_write_the_same_rows(review, tmp_path, monkeypatch):
    fresh = factories.ReviewFactory(slug="fresh")
    factories.codebook_for(fresh)
    for target in (review, fresh):
        for n in (1, 2, 3):
            factories.CaseFactory(review=target, number=str(n))
    extra = ("3,alice,level,local\n3,alice,roles,deliverer\n3,alice,budget,2.5\n"
             "3,bob,level,local\n3,bob,roles,deliverer;assessor\n3,bob,budget,2.5\n"
             "3,bob,agreement,no\n")
    path = tmp_path / "codings.csv"
    path.write_text(GOOD + extra)

    call_command("import_codings", str(path), review="demo", stdout=io.StringIO())
    monkeypatch.setattr(bulk, "_detect_fresh", lambda cases, actor: sum(
        bulk.disagreements_detect(case=case, actor=actor).ran for case in cases))
    call_command("import_codings", str(path), review="fresh", stdout=io.StringIO())

    in_bulk, one_by_one = _state(review), _state(fresh)
    assert all(in_bulk)
    assert in_bulk == one_by_one
