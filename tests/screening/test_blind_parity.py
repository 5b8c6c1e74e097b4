"""Screening is blind and double on every surface: until both assigned screeners of a record
decided at a stage, nothing one of them can open changes when the other decides (page, its
JSON, API, admin, audit log, CSV, counts, notifications), whatever other roles they hold;
once both decided, the other's decision shows where it should."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from coding.models import Role, ScreeningDecision
from coding.screening.policies import decision_visible_to, decisions_visible_to
from coding.screening.selectors import screener_progress
from coding.screening.services import screening_assign
from tests import factories
from tests.screening.conftest import decide, make_records

BOB_NOTE = "bob-secret-note"


@pytest.fixture
def world(screening, lead, coder_a, coder_b, adjudicator, review):
    """Alice screens record 1 with Bob; Lea, a staff lead who also screens, record 2 with
    Bob. Bob decides neither yet."""
    lea = factories.UserFactory(username="lea", is_staff=True)
    for role in (Role.LEAD, Role.CODER):
        factories.MembershipFactory(review=review, user=lea, role=role)
    r1, r2 = make_records(screening, 2)
    screening_assign(review=review, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b], limit=1)
    screening_assign(review=review, user=lead, stage="title_abstract", screeners=[lea, coder_b])
    return {"alice": coder_a, "bob": coder_b, "lea": lea, "r1": r1, "r2": r2}


def _clean(text: str) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return re.sub(r'"csrfToken": "[^"]+"', "", text)


def _surfaces(user) -> dict[str, str]:
    page, api = Client(), APIClient()
    page.force_login(user)
    api.force_authenticate(user)
    urls = {
        "page": "/reviews/demo/screening/?stage=title_abstract",
        "json": "/reviews/demo/screening/records.json?stage=title_abstract",
        "api_queue": "/api/reviews/demo/screening/queue/?stage=title_abstract",
        "api_decisions": "/api/reviews/demo/screening/decisions/",
        "api_conflicts": "/api/reviews/demo/screening/conflicts/",
        "api_notifications": "/api/notifications/",
        "audit": "/reviews/demo/audit/",
        "csv": "/reviews/demo/screening/decisions.csv",
        "assign_page": "/reviews/demo/screening/assign/",
        "admin_decisions": "/admin/coding/screeningdecision/",
        "admin_audit": "/admin/coding/auditevent/",
        "admin_conflicts": "/admin/coding/screeningconflict/",
    }
    out = {}
    for name, url in urls.items():
        client = api if name.startswith("api_") else page
        response = client.get(url)
        out[name] = f"{response.status_code} {_clean(response.content.decode())}"
    return out


@pytest.mark.parametrize("actor, record", [("alice", "r1"), ("lea", "r2")])
@pytest.mark.parametrize("bobs", ["exclude", "maybe"])
def test_nothing_changes_for_a_screener_when_the_other_decides(world, actor, record, bobs):
    me = world[actor]
    before = _surfaces(me)
    served = ["page", "json", "api_queue", "api_decisions", "api_notifications"]
    if actor == "lea":  # a staff lead: her log, CSV and admin too
        served += ["audit", "csv", "assign_page", "admin_decisions", "admin_audit"]
    assert all(before[name].startswith("200 ") for name in served), {
        name: before[name][:60] for name in served}
    ScreeningDecision.objects.filter(screener=world["bob"]).delete()
    decide(world[record], world["bob"], bobs)
    ScreeningDecision.objects.filter(screener=world["bob"]).update(note=BOB_NOTE)
    after = _surfaces(me)
    for surface in before:
        assert after[surface] == before[surface], f"{actor} learns of Bob's decision: {surface}"
    assert screener_progress(user=me, review=world[record].review, stage="title_abstract")[
        "decided"] == 0
    mine = decisions_visible_to(me, ScreeningDecision.objects.all())
    assert not mine.filter(screener=world["bob"], record=world[record]).exists()
    assert not decision_visible_to(me, ScreeningDecision.objects.get(
        screener=world["bob"], record=world[record]))


def test_a_lead_who_screens_sees_the_record_they_do_not_screen(world):
    decide(world["r1"], world["bob"], "exclude")
    surfaces = _surfaces(world["lea"])
    bob_r1 = ScreeningDecision.objects.get(screener=world["bob"], record=world["r1"])
    assert f"/admin/coding/screeningdecision/{bob_r1.pk}/" in surfaces["admin_decisions"]
    assert "R1,bob,title_abstract,exclude" in surfaces["csv"]
    assert '"screener":"bob"' in surfaces["api_decisions"].replace(" ", "")


def test_once_both_decided_each_sees_the_other(world):
    decide(world["r1"], world["bob"], "exclude")
    decide(world["r2"], world["bob"], "exclude")
    decide(world["r1"], world["alice"], "include")  # a conflict
    decide(world["r2"], world["lea"], "exclude")  # agreed
    alice = decisions_visible_to(world["alice"], ScreeningDecision.objects.all())
    assert alice.filter(screener=world["bob"], record=world["r1"]).exists()
    assert not alice.filter(record=world["r2"]).exists()  # not her record, not her role
    lea = _surfaces(world["lea"])
    assert "R2,bob,title_abstract,exclude" in lea["csv"]
    assert "screening.decide" in lea["audit"] or "screening" in lea["audit"]


def test_the_audit_log_hides_the_other_screeners_decision_until_both_decided(world):
    decide(world["r2"], world["bob"], "include")
    from coding.audit.policies import audit_events_visible_to
    from coding.models import AuditEvent

    events = audit_events_visible_to(world["lea"], AuditEvent.objects.filter(
        action="screening.decide"))
    assert not events.filter(object_id=str(world["r2"].pk)).exists()
    decide(world["r2"], world["lea"], "exclude")
    events = audit_events_visible_to(world["lea"], AuditEvent.objects.filter(
        action="screening.decide"))
    assert events.filter(object_id=str(world["r2"].pk), actor=world["bob"]).exists()


def test_a_conflict_notifies_adjudicators_only_once_both_decided(world, adjudicator):
    decide(world["r1"], world["bob"], "exclude")
    assert not adjudicator.notifications.filter(kind="adjudication_needed").exists()
    decide(world["r1"], world["alice"], "include")
    assert adjudicator.notifications.filter(kind="adjudication_needed").count() == 1
    assert not world["alice"].notifications.filter(kind="adjudication_needed").exists()
