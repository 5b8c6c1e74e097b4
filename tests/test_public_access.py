"""Who may read the reader pages, and that they never show raw codings or who coded."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coding.models import ConsensusMethod
from tests import factories

READ_URLS = [
    ("coding:gallery", []),
    ("coding:case_detail", ["1"]),
    ("coding:dashboard", []),
    ("coding:dashboard_csv", ["level"]),
    ("coding:export_csv", []),
    ("coding:export_json", []),
    ("coding:export_xlsx", []),
]
ACTORS = ["anonymous", "outsider", "coder_a", "coder_b", "adjudicator", "lead"]


@pytest.fixture
def case(review):
    return factories.CaseFactory(review=review, number="1", title="Street lights")


def _login(client, request, actor):
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(actor))


@pytest.mark.parametrize("name,args", READ_URLS)
@pytest.mark.parametrize("actor,expected", [
    ("anonymous", 404), ("outsider", 404), ("coder_a", 200), ("coder_b", 200),
    ("adjudicator", 200), ("lead", 200),
])
def test_unpublished_review_is_readable_by_its_members_only(
    client, request, review, case, name, args, actor, expected
):
    _login(client, request, actor)
    assert client.get(reverse(name, args=["demo", *args])).status_code == expected


@pytest.mark.parametrize("name,args", READ_URLS)
@pytest.mark.parametrize("actor", ACTORS)
def test_published_review_is_readable_by_everyone(
    client, request, review, case, name, args, actor
):
    review.is_published = True
    review.save()
    _login(client, request, actor)
    assert client.get(reverse(name, args=["demo", *args])).status_code == 200


@pytest.mark.parametrize("actor,expected", [
    ("anonymous", 404), ("outsider", 404), ("coder_a", 404), ("coder_b", 404),
    ("adjudicator", 404), ("lead", 302),
])
def test_only_the_lead_may_publish(client, request, review, actor, expected):
    _login(client, request, actor)
    url = reverse("coding:review_publish", args=["demo"])
    assert client.post(url, {"action": "publish"}).status_code == expected
    # GET leads to the gallery whatever the slug, as the address says: it reveals nothing.
    response = client.get(url)
    assert response.status_code == 302 and response.url == reverse("coding:gallery",
                                                                    args=["demo"])


def test_unknown_review_is_404(client, db):
    assert client.get(reverse("coding:gallery", args=["nope"])).status_code == 404


def _text(response) -> str:
    """A response's text; of an .xlsx workbook, the text of every cell."""
    body = response.getvalue()
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        sheets = load_workbook(io.BytesIO(body), read_only=True).worksheets
        return "\n".join(str(cell) for sheet in sheets
                         for row in sheet.iter_rows(values_only=True) for cell in row)
    return body.decode()


def test_reader_pages_show_no_raw_coding_no_coder_and_no_decider(
    client, review, case, coder_a, coder_b, adjudicator
):
    """Alice and Bob coded the case differently; Ada adjudicated. Readers see the consensus
    value and its evidence, never the raw values, the coders, Ada or her rationale."""
    review.is_published = True
    review.save()
    factories.coding_with_values(
        case=case, coder=coder_a, values={"level": "state", "topic": "RAWONLY alice topic"},
        evidence={"level": "RAWONLY quote by alice"}, notes={"level": "RAWONLY note"},
    )
    factories.coding_with_values(
        case=case, coder=coder_b, values={"level": "national", "topic": "RAWONLY bob topic"},
    )
    factories.consensus_for(
        case=case, values={"level": "local", "topic": "Lighting"},
        evidence={"level": "The parish council decided."},
        method=ConsensusMethod.ADJUDICATED, decided_by=adjudicator,
        rationale="SECRETRATIONALE both misread page 4",
    )
    pages = [client.get(reverse(name, args=["demo", *args])) for name, args in READ_URLS]
    pages += [client.get(reverse("coding:dashboard_csv", args=["demo", chart]))
              for chart in ("year", "region", "country", "service_area", "roles", "agreement")]
    pages.append(client.get(reverse("coding:gallery", args=["demo"]), {"level": "local"}))
    bodies = [_text(response) for response in pages]  # exports stream: read once
    for response, body in zip(pages, bodies, strict=True):
        assert response.status_code == 200
        for secret in ("RAWONLY", "SECRETRATIONALE", "alice", "Alice", "bob", "Bob", "Ada",
                       "ada@"):
            assert secret not in body, (response.request["PATH_INFO"], secret)
    case_page = pages[1].content.decode()
    assert "The parish council decided." in case_page and "Lighting" in case_page
    # The raw choices (State, National) lost to the consensus (Local).
    assert "Local" in case_page and "State" not in case_page and "National" not in case_page
    for export in (bodies[4], bodies[6]):  # export.csv, export.xlsx
        assert "Local" in export and "State" not in export and "National" not in export
