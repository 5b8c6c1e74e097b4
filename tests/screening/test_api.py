"""The screening API: settings, the queue, decisions, assignment and agreement."""

from rest_framework.test import APIClient

from coding.models import ScreeningAssignment, ScreeningDecision


def _api(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_screener_decides_through_the_api(assigned, coder_a):
    api = _api(coder_a)
    queue = api.get("/api/reviews/demo/screening/queue/").json()
    assert [r["id"] for r in queue["records"]] == [r.pk for r in assigned]
    assert queue["progress"]["assigned"] == 4
    url = f"/api/reviews/demo/screening/records/{assigned[0].pk}/decision/"
    made = api.post(url, {"stage": "title_abstract", "decision": "exclude"}, format="json")
    assert made.status_code == 200 and made.json()["version"] == 1
    stale = api.post(url, {"stage": "title_abstract", "decision": "include", "version": 5},
                     format="json")
    assert stale.status_code == 409
    bad = api.post(url, {"stage": "nowhere", "decision": "include"}, format="json")
    assert bad.status_code == 400
    assert api.delete(url + "?stage=title_abstract").status_code == 204
    assert not ScreeningDecision.objects.exists()


def test_only_leads_assign_and_change_settings(screening, records, lead, coder_a, coder_b):
    body = {"stage": "title_abstract", "screeners": ["alice", "bob"]}
    assert _api(coder_a).post("/api/reviews/demo/screening/assignments/", body,
                              format="json").status_code == 403
    made = _api(lead).post("/api/reviews/demo/screening/assignments/", body, format="json")
    assert made.json() == {"stage": "title_abstract", "assignments": 8}
    assert ScreeningAssignment.objects.count() == 8
    settings = _api(coder_a).get("/api/reviews/demo/screening/").json()
    assert [r["key"] for r in settings["reasons"]] == ["no-citizens", "no-outcomes"]
    assert _api(coder_a).put("/api/reviews/demo/screening/", {"criteria": "x"},
                             format="json").status_code == 403
    changed = _api(lead).put("/api/reviews/demo/screening/", {
        "criteria": "Citizens.", "version": settings["version"]}, format="json")
    assert changed.status_code == 200 and changed.json()["criteria"] == "Citizens."
    stale = _api(lead).put("/api/reviews/demo/screening/", {
        "criteria": "Other.", "version": settings["version"]}, format="json")
    assert stale.status_code == 409


def test_agreement_is_for_leads(assigned, lead, coder_a):
    assert _api(coder_a).get("/api/reviews/demo/screening/agreement/").status_code == 403
    data = _api(lead).get("/api/reviews/demo/screening/agreement/").json()
    assert [s["stage"] for s in data["stages"]] == ["title_abstract", "full_text"]


def test_outsiders_learn_nothing(assigned, outsider):
    for path in ("", "queue/", "decisions/", "conflicts/", "agreement/"):
        hidden = _api(outsider).get(f"/api/reviews/demo/screening/{path}")
        missing = _api(outsider).get(f"/api/reviews/nowhere/screening/{path}")
        assert hidden.status_code == missing.status_code == 404
