"""The explicit none of a multiple-choice attribute in the value type, the coding form, the
API and submission: it excludes the other options, and it answers a required attribute."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.models import CodedValue, Coding
from coding.values import BadValue, stored_text, value_parse


def _keys(attribute):
    return {o.key for o in attribute.options.all()}


def test_value_type_refuses_the_none_option_with_other_options(roles):
    assert value_parse(roles, ["none_reported"], _keys(roles)) == frozenset({"none_reported"})
    with pytest.raises(BadValue) as error:
        value_parse(roles, ["deliverer", "none_reported"], _keys(roles))
    assert error.value.problem == "none_exclusive"


def test_service_refuses_both_with_a_message_naming_the_none_option(case, coder_a, roles):
    coding = coding_start(case=case, user=coder_a)
    with pytest.raises(ValidationError) as error:
        coding_save_draft(coding=coding, values={"roles": {"value": ["deliverer",
                                                                    "none_reported"]}},
                          expected_version=0, user=coder_a)
    assert error.value.messages == [
        "Role of citizens: 'No role reported' means none of the options; choose it alone or "
        "untick it."]
    assert not CodedValue.objects.filter(coding=coding).exists()


def test_api_refuses_a_value_with_both(case, coder_a, roles):
    api = APIClient()
    api.force_authenticate(coder_a)
    response = api.put("/api/reviews/demo/codings/1/", {"version": 0, "values": [
        {"attribute": "roles", "value": ["none_reported", "assessor"]}]}, format="json")
    assert response.status_code == 400
    assert "'No role reported' means none of the options" in str(response.json())
    saved = api.put("/api/reviews/demo/codings/1/", {"version": 0, "values": [
        {"attribute": "roles", "value": ["none_reported"]}]}, format="json")
    assert saved.status_code == 200
    assert saved.json()["values"][0]["value"] == ["none_reported"]


def test_form_page_refuses_both_and_keeps_the_draft_unchanged(client, case, coder_a, roles):
    client.force_login(coder_a)
    url = reverse("coding:coding_save", args=["demo", "1"])
    response = client.post(url, {"version": 0, "roles": ["assessor", "none_reported"]},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "'No role reported' means none of the options" in response.json()["message"]
    assert not Coding.objects.filter(case=case, coder=coder_a).exists() or not \
        CodedValue.objects.filter(coding__coder=coder_a).exists()


def test_form_offers_the_none_option_apart_and_marked(client, case, coder_a, roles):
    client.force_login(coder_a)
    html = client.get(reverse("coding:coding_form", args=["demo", "1"])).content.decode()
    assert 'data-none-key="none_reported"' in html
    assert 'class="choice choice-none"' in html and "No role reported" in html


def _submit(coding, user, values):
    coding = coding_save_draft(coding=coding, values=values, expected_version=coding.version,
                               user=user)
    return coding_submit(coding=coding, expected_version=coding.version, user=user)


def test_submit_needs_an_option_or_the_explicit_none_for_a_required_attribute(
    case, coder_a, roles
):
    coding = coding_start(case=case, user=coder_a)
    with pytest.raises(ValidationError) as error:
        _submit(coding, coder_a, {"level": {"value": "local"}, "roles": {"value": []}})
    assert error.value.params["missing"] == ["roles"]
    coding.refresh_from_db()
    submitted = _submit(coding, coder_a, {"roles": {"value": ["none_reported"]}})
    assert submitted.is_submitted
    value = CodedValue.objects.get(coding=submitted, attribute=roles)
    assert stored_text(roles, value) == "No role reported"


def test_untouched_attribute_with_a_none_option_stays_not_coded_on_submit(
    case, coder_a, roles, review
):
    roles.required = False
    roles.save()
    coding = coding_start(case=case, user=coder_a)
    _submit(coding, coder_a, {"level": {"value": "local"}})
    assert not CodedValue.objects.filter(coding=coding, attribute=roles).exists()


def test_untouched_attribute_without_a_none_option_still_means_none_chosen(case, coder_a,
                                                                           review):
    roles = review.current_codebook().attributes.get(key="roles")
    roles.required = False
    roles.save()
    coding = coding_start(case=case, user=coder_a)
    _submit(coding, coder_a, {"level": {"value": "local"}})
    stored = CodedValue.objects.get(coding=coding, attribute=roles)
    assert list(stored.options.all()) == []
