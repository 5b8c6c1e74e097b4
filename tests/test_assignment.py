"""Assigning cases to coders (services and the lead's progress page)."""

import re
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import HttpRequest  # django-axes wants the request
from django.urls import reverse

from coding.assignments.selectors import CaseState, case_progress, coder_progress
from coding.assignments.services import assignment_replace, assignment_set, cases_assign
from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.models import Assignment, AuditEvent, Case, Coding, Disagreement, Role
from tests import factories
from tests.conftest import PASSWORD, _member


@pytest.fixture
def carol(review):
    return _member(review, "carol", Role.CODER, first_name="Carol")


def _cases(review, n):
    return factories.CaseFactory.create_batch(n, review=review)


def _submit(case, coder, values):
    coding = coding_start(case=case, user=coder)
    coding = coding_save_draft(coding=coding, values=values, expected_version=0, user=coder)
    return coding_submit(coding=coding, expected_version=coding.version, user=coder)


FULL = {"level": {"value": "local"}, "roles": {"value": ["deliverer"]}}


def test_cases_assign_gives_every_case_two_coders_balancing_load(review, coder_a, coder_b, carol,
                                                                  lead):
    cases = _cases(review, 9)
    created = cases_assign(review=review, coders=[coder_a, coder_b, carol], assigned_by=lead)
    assert len(created) == 18
    per_case = Counter(Assignment.objects.values_list("case", flat=True))
    assert set(per_case.values()) == {2} and len(per_case) == len(cases)
    per_coder = Counter(Assignment.objects.values_list("coder__username", flat=True))
    assert per_coder == {"alice": 6, "bob": 6, "carol": 6}
    assert all(a.assigned_by == lead for a in Assignment.objects.all())


def test_cases_assign_is_idempotent_and_fills_only_missing_places(review, coder_a, coder_b, carol,
                                                                   lead):
    first, *rest = _cases(review, 4)
    assignment_set(case=first, coders=[coder_a], assigned_by=lead)
    cases_assign(review=review, coders=[coder_a, coder_b, carol], assigned_by=lead)
    assert Assignment.objects.filter(case=first, coder=coder_a).exists()
    assert Assignment.objects.count() == 8
    # alice started with one case, so the others got the first free places
    per_coder = Counter(Assignment.objects.values_list("coder__username", flat=True))
    assert max(per_coder.values()) - min(per_coder.values()) <= 1
    assert cases_assign(review=review, coders=[coder_a, coder_b, carol], assigned_by=lead) == []
    assert Assignment.objects.count() == 8


def test_cases_assign_limited_to_given_cases(review, coder_a, coder_b, lead):
    cases = _cases(review, 5)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead, cases=cases[:2])
    assert set(Assignment.objects.values_list("case", flat=True)) == {c.pk for c in cases[:2]}


def test_cases_assign_needs_two_coders(review, coder_a, lead):
    _cases(review, 2)
    with pytest.raises(ValidationError, match="needs at least 2 coders; only 1 is available"):
        cases_assign(review=review, coders=[coder_a], assigned_by=lead)
    assert not Assignment.objects.exists()


def test_cases_assign_refuses_people_without_the_coder_role(review, coder_a, outsider, lead):
    _cases(review, 2)
    with pytest.raises(ValidationError, match="Charlie is not a coder in this review"):
        cases_assign(review=review, coders=[coder_a, outsider], assigned_by=lead)
    assert not Assignment.objects.exists()


def test_assignment_set_refuses_to_drop_a_submitted_coding(review, coder_a, coder_b, carol, lead):
    case = _cases(review, 1)[0]
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)
    _submit(case, coder_a, FULL)
    with pytest.raises(ValidationError, match="Alice has already submitted a coding of case"):
        assignment_set(case=case, coders=[carol, coder_b], assigned_by=lead)
    assert set(case.assignments.values_list("coder__username", flat=True)) == {"alice", "bob"}
    assert Coding.objects.get(case=case, coder=coder_a).is_submitted


def test_reassigning_keeps_a_removed_coders_draft(review, coder_a, coder_b, carol, lead):
    case = _cases(review, 1)[0]
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)
    coding = coding_start(case=case, user=coder_b)
    coding_save_draft(coding=coding, values={"topic": {"value": "Bob's draft"}},
                      expected_version=0, user=coder_b)
    assignment_replace(case=case, old_coder=coder_b, new_coder=carol, assigned_by=lead)
    assert set(case.assignments.values_list("coder__username", flat=True)) == {"alice", "carol"}
    assert Coding.objects.get(case=case, coder=coder_b).values.get().text == "Bob's draft"
    assignment_replace(case=case, old_coder=carol, new_coder=coder_b, assigned_by=lead)
    assert Coding.objects.get(case=case, coder=coder_b).values.get().text == "Bob's draft"
    actions = list(AuditEvent.objects.filter(action__startswith="assignment.")
                   .values_list("action", "data__coder"))
    assert ("assignment.delete", "bob") in actions and ("assignment.create", "carol") in actions


def test_assignment_replace_refuses_a_coder_already_on_the_case(review, coder_a, coder_b, lead):
    case = _cases(review, 1)[0]
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)
    with pytest.raises(ValidationError, match="Bob is already assigned"):
        assignment_replace(case=case, old_coder=coder_a, new_coder=coder_b, assigned_by=lead)


def test_assignment_set_refuses_the_same_coder_twice(review, coder_a, lead):
    case = _cases(review, 1)[0]
    with pytest.raises(ValidationError, match="two different coders"):
        assignment_set(case=case, coders=[coder_a, coder_a], assigned_by=lead)


# --- the lead's page -----------------------------------------------------------------


def test_lead_assigns_automatically_from_progress_page(client, review, coder_a, coder_b, lead):
    _cases(review, 3)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    response = client.post(reverse("coding:assign_auto", args=[review.slug]), follow=True)
    assert "Assigned 6 coder places across 3 cases." in response.content.decode()
    assert Assignment.objects.count() == 6
    response = client.post(reverse("coding:assign_auto", args=[review.slug]), follow=True)
    assert "nothing changed" in response.content.decode()


def test_lead_reassigns_by_hand_and_is_refused_for_submitted(client, review, coder_a, coder_b,
                                                             carol, lead):
    case = _cases(review, 1)[0]
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)
    _submit(case, coder_a, FULL)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    url = reverse("coding:assign_case", args=[review.slug])
    response = client.post(url, {"case": case.number, "coder_1": "carol", "coder_2": "bob"},
                           follow=True)
    assert "Assignment not changed. Alice has already submitted" in response.content.decode()
    response = client.post(url, {"case": case.number, "coder_1": "alice", "coder_2": "carol"},
                           follow=True)
    assert f"Case {case.number} is now assigned to Alice and Carol." in response.content.decode()
    assert set(case.assignments.values_list("coder__username", flat=True)) == {"alice", "carol"}
    elsewhere = factories.CaseFactory(number="777")  # another review's case
    for number in ("no-such-case", elsewhere.number):
        response = client.post(url, {"case": number, "coder_1": "carol"}, follow=True)
        assert ("Assignment not changed. No case of this review has that number."
                in response.content.decode())
    assert not elsewhere.assignments.exists()


def test_progress_shows_per_coder_counts(review, coder_a, coder_b, lead):
    cases = _cases(review, 3)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    _submit(cases[0], coder_a, FULL)
    coding_save_draft(coding=coding_start(case=cases[1], user=coder_a),
                      values={"topic": {"value": "x"}}, expected_version=0, user=coder_a)
    rows = {row.coder.username: row for row in coder_progress(review=review, viewer=lead)}
    assert (rows["alice"].assigned, rows["alice"].draft, rows["alice"].submitted,
            rows["alice"].not_started) == (3, 1, 1, 1)
    assert (rows["bob"].assigned, rows["bob"].submitted, rows["bob"].not_started) == (3, 0, 3)


def test_case_states_from_not_started_to_consensus(review, coder_a, coder_b, lead):
    cases = _cases(review, 5)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    _submit(cases[1], coder_a, FULL)
    _submit(cases[2], coder_a, FULL)
    _submit(cases[2], coder_b, {**FULL, "level": {"value": "national"}})  # disagree
    _submit(cases[3], coder_a, FULL)
    _submit(cases[3], coder_b, FULL)  # agree: consensus written by detection
    # Both submitted without detection having run (e.g. imported codings):
    factories.CodingFactory(case=cases[4], coder=coder_a, submitted=True)
    factories.CodingFactory(case=cases[4], coder=coder_b, submitted=True)
    states = {c.number: c.state for c in case_progress(review=review, viewer=lead)}
    assert states == {
        cases[0].number: CaseState.NOT_STARTED,
        cases[1].number: CaseState.ONE_SUBMITTED,
        cases[2].number: CaseState.DISAGREEMENTS_OPEN,
        cases[3].number: CaseState.CONSENSUS_COMPLETE,
        cases[4].number: CaseState.BOTH_SUBMITTED,
    }
    assert Disagreement.objects.filter(case=cases[2]).exists()
    filtered = case_progress(review=review, viewer=lead, state=CaseState.DISAGREEMENTS_OPEN)
    assert [c.number for c in filtered] == [cases[2].number]


def test_progress_page_shows_states_but_not_draft_values(client, review, coder_a, coder_b, lead):
    case = _cases(review, 1)[0]
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    coding = coding_start(case=case, user=coder_a)
    coding_save_draft(coding=coding, values={"topic": {"value": "SECRET-DRAFT-TEXT",
                                                       "evidence": "SECRET-QUOTE"}},
                      expected_version=0, user=coder_a)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    page = client.get(reverse("coding:progress", args=[review.slug])).content.decode()
    assert "draft" in page
    assert "SECRET-DRAFT-TEXT" not in page and "SECRET-QUOTE" not in page
    assert reverse("coding:coding_detail", args=[review.slug, coding.pk]) not in page


def test_lead_who_codes_a_case_does_not_see_the_other_coders_state(client, review, coder_a, lead):
    case = _cases(review, 1)[0]
    factories.MembershipFactory(review=review, user=lead, role=Role.CODER)
    assignment_set(case=case, coders=[coder_a, lead], assigned_by=lead)
    _submit(case, coder_a, FULL)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    page = client.get(reverse("coding:progress", args=[review.slug])).content.decode()
    row = page[page.index(f'id="case-{case.number}"'):]
    row = row[: row.index("</tr>")]
    assert "hidden while you code this case" in row
    assert "submitted" not in row


def _progress_queries(django_assert_max_num_queries, client, review, n):
    # Three of them read the viewer's blind cases, once per selector (the counts, the coders'
    # rows, the page of cases), rather than asking it of every case in SQL.
    with django_assert_max_num_queries(18) as captured:
        response = client.get(reverse("coding:progress", args=[review.slug]))
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_progress_query_count_does_not_grow_with_cases(client, review, coder_a, coder_b, lead,
                                                       django_assert_max_num_queries):
    cases = _cases(review, 5)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    _submit(cases[0], coder_a, FULL)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    few = _progress_queries(django_assert_max_num_queries, client, review, 5)
    more = _cases(review, 45)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    _submit(more[0], coder_b, FULL)
    many = _progress_queries(django_assert_max_num_queries, client, review, 50)
    assert few == many
    assert Case.objects.filter(review=review).count() == 50


def test_seed_demo_assigns_demo_coders_to_first_12_cases_idempotently(coproduction, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assigned = Assignment.objects.filter(case__review=coproduction)
    assert assigned.count() == 24
    numbers = set(assigned.values_list("case__number", flat=True))
    assert numbers == {str(n) for n in range(1, 13)}
    assert set(assigned.values_list("coder__username", flat=True)) == {"coder_a", "coder_b"}


def test_progress_pages_through_cases_and_prefills_reassignment(client, review, coder_a, coder_b,
                                                                lead, monkeypatch):
    from coding.web import lead as lead_views

    monkeypatch.setattr(lead_views, "CASES_PER_PAGE", 2)
    cases = _cases(review, 3)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    url = reverse("coding:progress", args=[review.slug])
    second = client.get(url, {"page": 2}).content.decode()
    assert f'id="case-{cases[2].number}"' in second and f'id="case-{cases[0].number}"' not in second
    assert "Cases 3–3 of 3" in second
    prefilled = client.get(url, {"case": cases[2].number}).content.decode()
    assert f'name="case" value="{cases[2].number}"' in prefilled
    assert 'aria-describedby="id_case_helptext"' in prefilled
    assert 'id="id_case_helptext"' in prefilled
    assert f'<option value="{cases[0].number}"' not in prefilled  # typed, not listed
    assert re.search(r'<option value="alice" selected>', prefilled)
    assert re.search(r'<option value="bob" selected>', prefilled)
