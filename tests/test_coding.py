"""Coding a case: drafts, the version check, submit, reopen, the queue and the form."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpRequest  # django-axes wants the request
from django.urls import reverse
from django.utils import timezone

from coding.assignments.services import cases_assign
from coding.codings.selectors import next_case
from coding.codings.services import (
    CodingConflict,
    coding_reopen,
    coding_save_draft,
    coding_start,
    coding_submit,
)
from coding.models import AuditEvent, Coding, CodingStatus
from tests import factories
from tests.conftest import PASSWORD

EVERY_KIND = {
    "level": {"value": "local", "evidence": "the council", "note": "clear"},
    "topic": {"value": "Community care"},
    "budget": {"value": "1200.5"},
    "roles": {"value": ["commissioner", "assessor"], "evidence": "Residents ran it"},
    "agreement": {"value": "no"},
}


@pytest.fixture
def cases(review, coder_a, coder_b, lead):
    made = factories.CaseFactory.create_batch(3, review=review)
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    return made


@pytest.fixture
def case(cases):
    return cases[0]


def _stored(coding):
    result = {}
    for value in coding.values.select_related("attribute").prefetch_related("options"):
        options = sorted(o.key for o in value.options.all())
        result[value.attribute.key] = (options, value.text, value.number, value.boolean,
                                       value.evidence, value.note)
    return result


def _draft(case, coder, values=None):
    coding = coding_start(case=case, user=coder)
    return coding_save_draft(coding=coding, values=values or EVERY_KIND, expected_version=0,
                             user=coder)


# --- services -------------------------------------------------------------------------


def test_save_draft_stores_every_kind_with_evidence_and_note(case, coder_a):
    coding = _draft(case, coder_a)
    assert coding.version == 1 and coding.status == CodingStatus.DRAFT
    assert _stored(coding) == {
        "level": (["local"], "", None, None, "the council", "clear"),
        "topic": ([], "Community care", None, None, "", ""),
        "budget": ([], "", 1200.5, None, "", ""),
        "roles": (["assessor", "commissioner"], "", None, None, "Residents ran it", ""),
        "agreement": ([], "", None, False, "", ""),
    }
    event = AuditEvent.objects.get(action="coding.save_draft")
    assert event.actor == coder_a and event.data["version"] == 1


def test_two_saves_with_the_same_version_second_is_refused_and_first_kept(case, coder_a):
    coding = _draft(case, coder_a, {"topic": {"value": "first tab"}})
    tab_one = Coding.objects.get(pk=coding.pk)
    tab_two = Coding.objects.get(pk=coding.pk)
    coding_save_draft(coding=tab_one, values={"topic": {"value": "second save, tab one"}},
                      expected_version=1, user=coder_a)
    with pytest.raises(CodingConflict, match=r"saved elsewhere \(another tab\?\)"):
        coding_save_draft(coding=tab_two, values={"topic": {"value": "tab two"}},
                          expected_version=1, user=coder_a)
    coding.refresh_from_db()
    assert coding.version == 2
    assert coding.values.get().text == "second save, tab one"


def _pause_after_last_save(minutes: int) -> None:
    event = AuditEvent.objects.filter(action="coding.save_draft").order_by("-id").first()
    earlier = timezone.now() - timedelta(minutes=minutes)
    event.data = {**event.data, "last_saved_at": earlier.isoformat()}
    event.save(update_fields=["data"])


def test_autosave_of_the_whole_form_records_only_what_changed(case, coder_a):
    coding = _draft(case, coder_a)
    _pause_after_last_save(45)  # a new working session: a new event
    changed = {**EVERY_KIND, "topic": {"value": "Community care, revised"}}
    coding = coding_save_draft(coding=coding, values=changed, expected_version=1, user=coder_a)
    last = AuditEvent.objects.filter(action="coding.save_draft").order_by("-id").first()
    assert coding.version == 2 and last.data["attributes"] == ["topic"]
    assert _stored(coding)["topic"][1] == "Community care, revised"


def test_consecutive_autosaves_of_one_coding_fold_into_one_event(case, coder_a):
    coding = _draft(case, coder_a, {"topic": {"value": "a"}})
    for version, text in ((1, "ab"), (2, "abc")):
        coding = coding_save_draft(coding=coding, values={"budget": {"value": len(text)}},
                                   expected_version=version, user=coder_a)
    events = list(AuditEvent.objects.filter(action="coding.save_draft"))
    assert len(events) == 1
    assert events[0].data["saves"] == 3 and events[0].data["version"] == 3
    assert events[0].data["attributes"] == ["budget", "topic"]


def test_autosaves_start_a_new_event_after_a_pause_or_another_event(case, coder_a, lead):
    coding = _draft(case, coder_a, {"topic": {"value": "a"}})
    _pause_after_last_save(31)
    coding = coding_save_draft(coding=coding, values={"topic": {"value": "b"}},
                               expected_version=1, user=coder_a)
    assert AuditEvent.objects.filter(action="coding.save_draft").count() == 2
    for key, value in EVERY_KIND.items():
        coding = coding_save_draft(coding=coding, values={key: value},
                                   expected_version=coding.version, user=coder_a)
    coding = coding_submit(coding=coding, expected_version=coding.version, user=coder_a)
    coding = coding_reopen(coding=coding, user=lead, reason="check the budget")
    coding_save_draft(coding=coding, values={"budget": {"value": 7}},
                      expected_version=coding.version, user=coder_a)
    actions = list(AuditEvent.objects.filter(object_type="coding.coding", object_id=str(coding.pk))
                   .order_by("id")
                   .values_list("action", flat=True))
    assert actions == ["coding.save_draft", "coding.save_draft", "coding.submit",
                       "coding.reopen", "coding.save_draft"]


def test_bad_value_is_refused_naming_the_attribute_and_writes_nothing(case, coder_a):
    coding = _draft(case, coder_a)
    with pytest.raises(ValidationError, match="Level: 'regional' is not one of its options"):
        coding_save_draft(coding=coding, values={"level": {"value": "regional"}},
                          expected_version=1, user=coder_a)
    with pytest.raises(ValidationError, match="Budget: enter a number"):
        coding_save_draft(coding=coding, values={"budget": {"value": "lots"}},
                          expected_version=1, user=coder_a)
    coding.refresh_from_db()
    assert coding.version == 1 and _stored(coding)["level"][0] == ["local"]


def test_emptying_an_attribute_removes_its_value(case, coder_a):
    coding = _draft(case, coder_a)
    coding = coding_save_draft(coding=coding, values={"level": {"value": ""}},
                               expected_version=1, user=coder_a)
    assert "level" not in _stored(coding) and "topic" in _stored(coding)


def test_only_the_owner_saves(case, coder_a, coder_b):
    coding = _draft(case, coder_a)
    with pytest.raises(ValidationError, match="Only the coder who owns"):
        coding_save_draft(coding=coding, values={}, expected_version=1, user=coder_b)


def test_coding_start_refuses_unassigned_coder(review, coder_a, outsider):
    other = factories.CaseFactory(review=review)
    with pytest.raises(ValidationError, match="not assigned"):
        coding_start(case=other, user=coder_a)


def test_submit_names_missing_required_attributes(case, coder_a):
    coding = _draft(case, coder_a, {"topic": {"value": "only a topic"}})
    with pytest.raises(ValidationError, match="required attributes Level, Role of citizens"):
        coding_submit(coding=coding, expected_version=1, user=coder_a)
    coding.refresh_from_db()
    assert coding.status == CodingStatus.DRAFT and coding.version == 1


def test_submit_then_coding_is_read_only_until_a_lead_reopens(case, coder_a, lead):
    coding = _draft(case, coder_a)
    coding = coding_submit(coding=coding, expected_version=1, user=coder_a)
    assert coding.is_submitted and coding.submitted_at and coding.version == 2
    with pytest.raises(CodingConflict, match="submitted and is read-only"):
        coding_save_draft(coding=coding, values={"topic": {"value": "late"}},
                          expected_version=2, user=coder_a)
    with pytest.raises(ValidationError, match="Only a review lead"):
        coding_reopen(coding=coding, user=coder_a)
    coding = coding_reopen(coding=coding, user=lead, reason="typo in level")
    assert coding.status == CodingStatus.DRAFT and coding.submitted_at is None
    event = AuditEvent.objects.get(action="coding.reopen")
    assert event.actor == lead and event.data["reason"] == "typo in level"
    coding_save_draft(coding=coding, values={"topic": {"value": "fixed"}},
                      expected_version=coding.version, user=coder_a)


def test_next_case_skips_submitted_and_wraps(cases, coder_a):
    coding_submit(coding=_draft(cases[1], coder_a), expected_version=1, user=coder_a)
    review = cases[0].review
    assert next_case(review=review, user=coder_a) == cases[0]
    assert next_case(review=review, user=coder_a, after=cases[0]) == cases[2]
    assert next_case(review=review, user=coder_a, after=cases[2]) == cases[0]


# --- pages and the JSON endpoint ----------------------------------------------------------


def _login(client, username):
    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)


def _urls(case):
    args = [case.review.slug, case.number]
    return (reverse("coding:coding_form", args=args), reverse("coding:coding_save", args=args),
            reverse("coding:coding_submit", args=args))


def _post_data(version, **fields):
    data = {"version": version, "level": "local", "roles": ["deliverer"], "topic": "Care",
            "budget": "", "agreement": "yes", "level__evidence": "the council"}
    data.update(fields)
    return data


def test_form_is_generated_from_the_codebook(client, case, coder_a):
    _login(client, "alice")
    page = client.get(_urls(case)[0]).content.decode()
    assert re.search(r'type="radio" name="level" value="local"', page)
    assert re.search(r'type="checkbox" name="roles" value="assessor"', page)
    assert re.search(r'<textarea name="topic"', page)
    assert re.search(r'type="number" name="budget"', page)
    assert re.search(r'type="radio" name="agreement" value="yes"', page)
    assert "Level of government." in page  # help text
    for key in ["level", "topic", "budget", "roles", "agreement"]:
        assert f'name="{key}__evidence"' in page and f'name="{key}__note"' in page
    assert page.count(">Use selected text as evidence<span") == 5
    assert ">Save draft</button>" in page and ">Submit</button>" in page
    assert case.title in page and case.summary in page and case.source in page


def test_form_page_counts_answered_attributes_and_opens_used_evidence(client, case, coder_a):
    _login(client, "alice")
    form_url, save_url, _ = _urls(case)
    page = client.get(form_url).content.decode()
    assert "<strong>0</strong> of 5 answered" in page
    assert "is-answered" not in page and "<details class=\"evidence-block\" open" not in page
    # Budget 0 is an answer; an evidence quote alone is not.
    client.post(save_url, _post_data(0, budget="0", agreement="", roles=[],
                                     topic__evidence="a quote"))
    page = client.get(form_url).content.decode()
    assert "<strong>3</strong> of 5 answered" in page  # level, topic, budget
    assert page.count("is-answered") == 3
    assert page.count('<details class="evidence-block" open') == 2  # level and topic


def test_every_control_has_a_visible_label(client, case, coder_a):
    _login(client, "alice")
    page = client.get(_urls(case)[0]).content.decode()
    controls = re.findall(r'<(?:input|textarea|select)[^>]*>', page)
    ids = [re.search(r'\bid="([^"]+)"', c).group(1) for c in controls if 'type="hidden"' not in c]
    assert ids
    for control in ids:
        assert f'for="{control}"' in page, control


def test_json_save_returns_new_version_and_conflicts_on_stale(client, case, coder_a):
    _login(client, "alice")
    _, save, _ = _urls(case)
    first = client.post(save, _post_data(0), HTTP_ACCEPT="application/json")
    assert first.status_code == 200 and first.json()["version"] == 1
    again = client.post(save, _post_data(0, topic="stale tab"), HTTP_ACCEPT="application/json")
    assert again.status_code == 409
    assert "saved elsewhere (another tab?)" in again.json()["message"]
    assert "your text is kept below to copy" in again.json()["message"].lower()
    coding = Coding.objects.get(case=case, coder=coder_a)
    assert coding.version == 1 and coding.values.get(attribute__key="topic").text == "Care"


def test_json_save_of_bad_number_names_the_attribute(client, case, coder_a):
    _login(client, "alice")
    response = client.post(_urls(case)[1], _post_data(0, budget="a lot"),
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert response.json()["message"] == "Not saved: Budget: Enter a number."
    assert not Coding.objects.filter(case=case).exists()


def test_save_without_javascript_redirects_back(client, case, coder_a):
    _login(client, "alice")
    form, save, _ = _urls(case)
    response = client.post(save, _post_data(0), follow=True)
    assert response.redirect_chain[-1][0] == form
    assert "Draft saved." in response.content.decode()
    assert 'name="version" value="1"' in response.content.decode()


def test_submit_saves_then_submits_and_shows_read_only(client, case, coder_a):
    _login(client, "alice")
    form, _, submit = _urls(case)
    response = client.post(submit, _post_data(0), follow=True)
    page = response.content.decode()
    assert "submitted. It is read-only now" in page
    assert "<form id=\"coding-form\"" not in page and "Save draft" not in page
    assert "Deliverer" in page.replace("Co-deliverer", "Deliverer") and "the council" in page
    coding = Coding.objects.get(case=case, coder=coder_a)
    assert coding.is_submitted
    refused = client.post(_urls(case)[1], _post_data(coding.version),
                          HTTP_ACCEPT="application/json")
    assert refused.status_code == 409 and "read-only" in refused.json()["message"]


def test_submit_with_missing_required_keeps_the_draft_and_names_what_is_missing(client, case,
                                                                                coder_a):
    _login(client, "alice")
    response = client.post(_urls(case)[2], _post_data(0, roles=[], level=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Not submitted: please code the required attributes Level, Role of citizens." in page
    coding = Coding.objects.get(case=case, coder=coder_a)
    assert coding.status == CodingStatus.DRAFT
    assert coding.values.get(attribute__key="topic").text == "Care"
    assert f'name="version" value="{coding.version}"' in page


def test_queue_shows_own_progress_and_filters(client, cases, coder_a, coder_b):
    coding_submit(coding=_draft(cases[0], coder_a), expected_version=1, user=coder_a)
    _draft(cases[1], coder_a, {"topic": {"value": "x"}})
    coding_submit(coding=_draft(cases[2], coder_b), expected_version=1, user=coder_b)
    _login(client, "alice")
    url = reverse("coding:queue", args=[cases[0].review.slug])
    page = client.get(url).content.decode()
    assert "1 of 3 submitted" in page and "1 in draft" in page
    assert f"Code next case: {cases[1].number}" in page
    # Bob's submission of case 3 shows nowhere in Alice's queue.
    item = page[page.index(cases[2].title):]
    assert "Not started" in item[: item.index("</li>")]
    drafts = client.get(url, {"state": "draft"}).content.decode()
    assert cases[1].title in drafts and cases[0].title not in drafts


def test_the_queue_shows_a_page_of_cases_at_a_time_and_keeps_the_filter(
        client, review, coder_a, coder_b, lead, monkeypatch):
    from coding.web import coding as coding_views

    monkeypatch.setattr(coding_views, "CASES_PER_PAGE", 2)
    made = [factories.CaseFactory(review=review, number=str(n), sort_key=n) for n in range(5)]
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    for case in made[:3]:
        coding_submit(coding=_draft(case, coder_a), expected_version=1, user=coder_a)
    _login(client, "alice")
    url = reverse("coding:queue", args=[review.slug])

    first = client.get(url).content.decode()
    last = client.get(url, {"page": 3}).content.decode()
    submitted = client.get(url, {"state": "submitted", "page": 2}).content.decode()

    assert made[0].title in first and made[1].title in first and made[2].title not in first
    assert "Cases 1–2 of 5" in first and "page=2" in first
    assert made[4].title in last and made[3].title not in last and 'start="5"' in last
    assert made[2].title in submitted and made[3].title not in submitted
    assert "Cases 3–3 of 3" in submitted and "state=submitted&amp;page=1" in submitted
    assert "3 of 5 submitted" in submitted  # the counts are of every case


def test_home_links_reviews_to_the_page_for_the_role(client, review, coder_a, lead):
    _login(client, "alice")
    assert reverse("coding:queue", args=[review.slug]) in client.get("/").content.decode()
    _login(client, "lena")
    assert reverse("coding:progress", args=[review.slug]) in client.get("/").content.decode()


def _count(django_assert_max_num_queries, client, url):
    with django_assert_max_num_queries(20) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_queue_and_form_query_counts_do_not_grow_with_cases(client, review, coder_a, coder_b,
                                                            lead, django_assert_max_num_queries):
    def grow(n):
        made = factories.CaseFactory.create_batch(n, review=review)
        cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
        _draft(made[0], coder_a)
        coding_submit(coding=_draft(made[1], coder_a), expected_version=1, user=coder_a)
        return made

    first = grow(5)
    _login(client, "alice")
    queue = reverse("coding:queue", args=[review.slug])
    form = _urls(first[0])[0]
    few = (_count(django_assert_max_num_queries, client, queue),
           _count(django_assert_max_num_queries, client, form))
    grow(45)
    many = (_count(django_assert_max_num_queries, client, queue),
            _count(django_assert_max_num_queries, client, form))
    assert few == many


def test_submit_records_an_unticked_optional_multi_choice_as_none_chosen(case, coder_a):
    codebook = case.review.current_codebook()
    tools = factories.AttributeFactory(
        section=codebook.sections.first(), key="tools", label="Tools", kind="multi", order=9
    )
    factories.OptionFactory(attribute=tools, key="survey")
    coding = _draft(case, coder_a)
    assert "tools" not in _stored(coding)

    coding_submit(coding=coding, expected_version=1, user=coder_a)

    stored = _stored(coding)
    assert stored["tools"] == ([], "", None, None, "", "")
    assert stored["roles"][0] == ["assessor", "commissioner"]
