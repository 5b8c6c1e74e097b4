"""The screening pages: settings and assignment (leads), the screener's page without
JavaScript, its JSON, the decisions CSV, the navigation, and bounded queries."""

from coding.models import Record, ScreeningAssignment, ScreeningDecision, ScreeningSettings
from coding.screening.services import screening_assign, settings_version
from tests.screening.conftest import decide, make_records


def test_a_lead_sets_stages_criteria_and_reasons(screening, lead, client):
    client.force_login(lead)
    page = client.get("/reviews/demo/screening/settings/")
    assert page.status_code == 200
    version = settings_version(screening)
    response = client.post("/reviews/demo/screening/settings/", {
        "stages": "title_abstract", "criteria": "Citizens take part.",
        "reasons": "Not a programme\nNo citizens\n\n", "version": version})
    assert response.status_code == 302
    settings = ScreeningSettings.objects.get(review=screening)
    assert (settings.stages, settings.criteria) == ("title_abstract", "Citizens take part.")
    assert [r.label for r in screening.exclusion_reasons.order_by("order")] == [
        "Not a programme", "No citizens"]
    stale = client.post("/reviews/demo/screening/settings/", {
        "stages": "both", "criteria": "x", "reasons": "", "version": version})
    assert stale.status_code == 409
    assert "Someone else saved" in stale.content.decode()


def test_settings_and_assignment_pages_are_for_leads(screening, coder_a, client):
    client.force_login(coder_a)
    assert client.get("/reviews/demo/screening/settings/").status_code == 404
    assert client.get("/reviews/demo/screening/assign/").status_code == 404
    assert client.get("/reviews/demo/screening/decisions.csv").status_code == 404


def test_a_lead_assigns_all_records_to_two_screeners(records, lead, coder_a, coder_b, client):
    client.force_login(lead)
    response = client.post("/reviews/demo/screening/assign/", {
        "stage": "title_abstract", "screeners": ["alice", "bob"]})
    assert response.status_code == 302
    assert ScreeningAssignment.objects.filter(stage="title_abstract").count() == 8
    page = client.get("/reviews/demo/screening/assign/").content.decode()
    assert "alice 4" in page


def test_screening_without_javascript_walks_the_queue(assigned, coder_a, client):
    client.force_login(coder_a)
    page = client.get("/reviews/demo/screening/").content.decode()
    assert "Record 1: a programme report" in page
    assert "Coproduction with citizens." in page  # the criteria beside it
    response = client.post("/reviews/demo/screening/decide/", {
        "stage": "title_abstract", "record": assigned[0].pk, "decision": "include"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Record 2: a programme report" in page
    assert ScreeningDecision.objects.get(screener=coder_a).decision == "include"
    response = client.post("/reviews/demo/screening/undo/", {"stage": "title_abstract"})
    assert response.status_code == 302 and f"record={assigned[0].pk}" in response["Location"]
    assert not ScreeningDecision.objects.exists()


def test_the_json_window_and_decide_answer_the_script(assigned, coder_a, client):
    client.force_login(coder_a)
    window = client.get("/reviews/demo/screening/records.json",
                        {"stage": "title_abstract", "after": assigned[1].pk}).json()
    assert [r["id"] for r in window["records"]] == [assigned[2].pk, assigned[3].pk]
    answer = client.post("/reviews/demo/screening/decide/", {
        "stage": "title_abstract", "record": assigned[2].pk, "decision": "maybe"},
        HTTP_ACCEPT="application/json")
    assert answer.status_code == 200
    assert answer.json()["progress"]["decided"] == 1
    stale = client.post("/reviews/demo/screening/decide/", {
        "stage": "title_abstract", "record": assigned[2].pk, "decision": "include",
        "version": "7"}, HTTP_ACCEPT="application/json")
    assert stale.status_code == 409


def test_the_screening_page_and_window_take_bounded_queries(screening, lead, coder_a, coder_b,
                                                            client, django_assert_max_num_queries):
    records = make_records(screening, 300)
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    for record in records[:150]:
        decide(record, coder_a, "include")
    client.force_login(coder_a)
    with django_assert_max_num_queries(30):
        page = client.get("/reviews/demo/screening/")
    assert "Record 151: a programme report" in page.content.decode()
    with django_assert_max_num_queries(12):
        window = client.get("/reviews/demo/screening/records.json",
                            {"stage": "title_abstract", "around": records[100].pk})
    assert len(window.json()["records"]) == 50


def test_the_navigation_links_screening_in_reviews_that_screen(records, coder_a, client,
                                                               review):
    client.force_login(coder_a)
    page = client.get("/reviews/demo/my-cases/").content.decode()
    assert 'href="/reviews/demo/screening/"' in page
    # A review with no candidate records does not screen here (the bundled review reports its
    # stage one without records): no link, whatever its settings.
    Record.objects.filter(review=review).delete()
    assert ScreeningSettings.objects.filter(review=review).exists()
    page = client.get("/reviews/demo/my-cases/").content.decode()
    assert 'href="/reviews/demo/screening/"' not in page


def test_the_decisions_csv_lists_what_the_lead_may_see(assigned, coder_a, coder_b, lead,
                                                       client):
    decide(assigned[0], coder_a, "include")
    decide(assigned[0], coder_b, "exclude")
    client.force_login(lead)
    response = client.get("/reviews/demo/screening/decisions.csv")
    lines = response.content.decode().splitlines()
    assert lines == ["record,screener,stage,decision,reason",
                     "R1,alice,title_abstract,include,", "R1,bob,title_abstract,exclude,"]
