"""Readers never see who decided a consensus value or why, nor any member: a walk over every
address of the site (the URL conf, with the OpenAPI schema's query parameters and the
gallery's filters), as an anonymous reader, of a published review with an adjudicated value
and a value agreed after discussion, finds no rationale, no thread and no member's name,
username or e-mail address in any body or header: first answers, 304s and cached copies."""

import io
import zipfile
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.http import QueryDict
from django.test import Client
from rest_framework.authtoken.models import Token

from coding.adjudication.services import (
    consensus_version,
    disagreement_accept,
    disagreement_comment,
    disagreement_propose,
    disagreement_resolve,
    disagreements_detect,
)
from coding.api import serializers as s
from coding.documents.services import document_upload
from coding.models import (
    Case,
    Coding,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementComment,
    Document,
    ResolutionMode,
    Role,
)
from coding.public.cache import case_filter_for, dashboard_data
from coding.public.policies import READER_CONSENSUS_FIELDS
from coding.releases.services import release_create
from coding.reviews.services import review_set_published, review_set_resolution_mode
from tests import factories
from tests.urlwalk import (
    api_get_paths,
    api_query_params,
    body,
    fill,
    headers_text,
    routes,
    schema_path,
)

ADJUDICATOR_RATIONALE = "Zephyrine ruling: the ministry signed the contract on page four"
COMMENT = "Quokkas agree the borough council ran it"
PROPOSAL = "Marmosets concur after rereading the annex"
VALUES_A = {"level": "local", "roles": ["deliverer"], "agreement": True, "budget": 120.0}
VALUES_B = {"level": "state", "roles": ["deliverer"], "agreement": True, "budget": 120.0}
EVIDENCE_A = {"level": "the borough council ran it"}
EVIDENCE_B = {"level": "a state agency was involved"}


def _member(review, username, first, last, role):
    user = factories.UserFactory(username=username, first_name=first, last_name=last,
                                 email=f"{username}.inbox@members.example")
    factories.MembershipFactory(review=review, user=user, role=role)
    return user


def _coded_case(review, number, coders):
    case = factories.CaseFactory(review=review, number=number, title=f"Street kitchen {number}")
    factories.coding_with_values(case=case, coder=coders[0], values=VALUES_A,
                                 evidence=EVIDENCE_A)
    factories.coding_with_values(case=case, coder=coders[1], values=VALUES_B,
                                 evidence=EVIDENCE_B)
    disagreements_detect(case=case)
    return Disagreement.objects.get(case=case)


@pytest.fixture
def decided(review, settings, tmp_path):
    """The review published, with case 1 decided by an adjudicator and case 2 agreed after
    discussion (the rationale: the coders' thread with their full names), a public and a
    private document on case 1. Members have names found nowhere else."""
    settings.MEDIA_ROOT = tmp_path / "media"
    aisha = _member(review, "aisha_q7", "Aisha", "Quillfeather", Role.CODER)
    benedikt = _member(review, "benedikt_x3", "Benedikt", "Marrowgate", Role.CODER)
    adaeze = _member(review, "adaeze_v9", "Adaeze", "Thornbury", Role.ADJUDICATOR)
    lorcan = _member(review, "lorcan_k5", "Lorcan", "Ashdown", Role.LEAD)

    first = _coded_case(review, "1", (aisha, benedikt))
    disagreement_resolve(disagreement=first, user=adaeze, choice="a",
                         rationale=ADJUDICATOR_RATIONALE,
                         expected_version=consensus_version(first))

    review_set_resolution_mode(review=review, actor=lorcan, mode=ResolutionMode.DISCUSSION)
    review.refresh_from_db()
    second = _coded_case(review, "2", (aisha, benedikt))
    disagreement_comment(disagreement=second, user=aisha, body=COMMENT)
    proposal = disagreement_propose(disagreement=second, user=benedikt, value="local",
                                    body=PROPOSAL)
    disagreement_accept(disagreement=second, user=aisha, proposal=proposal.comment.pk)

    case = Case.objects.get(review=review, number="1")
    document_upload(case=case, file=ContentFile(b"<p>The borough council ran it.</p>",
                                                "1-summary.html"),
                    actor=lorcan, title="Summary", is_public=True)
    document_upload(case=case, file=ContentFile(b"<p>Internal minutes.</p>", "1-minutes.html"),
                    actor=lorcan, title="Minutes")
    review_set_published(review=review, actor=lorcan, published=True)
    review.refresh_from_db()
    # A citable release made by the lead: its pages, download and API are reader surfaces.
    release_create(review=review, actor=lorcan, title="First release",
                   authors="The Street Kitchen Study Group", base_url="https://example.org")
    review.refresh_from_db()

    # What there is to leak: both kinds of decided value, with who and why.
    methods = dict(ConsensusValue.objects.filter(attribute__key="level")
                   .values_list("case__number", "method"))
    assert methods == {"1": ConsensusMethod.ADJUDICATED, "2": ConsensusMethod.DISCUSSION}
    discussed = ConsensusValue.objects.get(case__number="2", attribute__key="level")
    assert "Aisha Quillfeather: " + COMMENT in discussed.rationale
    assert set(Case.objects.values_list("consensus_complete", flat=True)) == {True}
    return review


def secrets(review) -> set[str]:
    """Everything readers must never see: each member's name, username and e-mail address,
    every rationale (line by line: a discussion's is its thread) and every comment."""
    found = set()
    for user in get_user_model().objects.filter(memberships__review=review):
        found |= {user.username, user.email, user.first_name, user.last_name,
                  user.get_full_name()}
    texts = [*ConsensusValue.objects.filter(case__review=review)
             .values_list("rationale", flat=True),
             *ConsensusRevision.objects.filter(consensus__case__review=review)
             .values_list("rationale", flat=True),
             *DisagreementComment.objects.filter(disagreement__case__review=review)
             .values_list("body", flat=True)]
    for text in texts:
        found |= {line.strip() for line in text.splitlines()}
    return {secret.lower() for secret in found if secret.strip()}


class ReaderWalk:
    """Walks every address of the site as a reader of `review`: `client()` gives the client
    of each request (a new anonymous one, or a signed-in reader's)."""

    def __init__(self, review, client=Client, queries: bool = True):
        self.review = review
        self.client = client
        self.with_queries = queries
        self.secrets = secrets(review)
        self.cases = list(Case.objects.filter(review=review).order_by("number"))
        case_filter = case_filter_for(review, QueryDict(""), Case.objects.filter(review=review))
        case_filter.form.is_valid()
        self.filters = case_filter
        self.charts = [chart.id for chart in
                       dashboard_data(review=review, case_filter=case_filter).charts]
        self.ids = sorted({1, 2} | set(Document.objects.values_list("pk", flat=True))
                          | set(Disagreement.objects.values_list("pk", flat=True))
                          | set(Coding.objects.values_list("pk", flat=True)))
        self.answers: dict[str, int] = {}
        self.not_modified = 0
        self.cached = 0

    # --- what each parameter of a path or query is given ---

    def path_values(self, converter: str, name: str) -> list[str]:
        if name == "slug":
            return [self.review.slug]
        if name == "chart":
            return self.charts
        if name == "key":
            return list(self.filters.codebook.by_key)
        if name in ("number", "case_number") and converter == "str":
            return [case.number for case in self.cases]
        if converter in ("int", "path"):
            return [str(i) for i in self.ids]
        return ["x"]

    def query_values(self, name: str, enum) -> list[str]:
        """Values of a query parameter that select the review's decided cases where they
        can (so that filtered lists are not empty), else the schema's or the form's."""
        case = self.cases[0]
        sample = {
            "q": case.title.split()[0], "country": case.country, "region": case.region,
            "year_min": str(case.year), "year_max": str(case.year),
            "service_area": case.service_areas.first().slug, "case": case.number,
            "attribute": "level", "include": "consensus", "page": "1", "page_size": "1",
        }
        if name in sample:
            return [sample[name]]
        consensus = ConsensusValue.objects.filter(case=case, attribute__key=name).first()
        if consensus is not None:
            chosen = [o.key for o in consensus.options.all()]
            if chosen:
                return chosen[:1]
            if consensus.boolean is not None:
                return ["yes" if consensus.boolean else "no"]
        if enum:
            return [str(enum[0])]
        field = self.filters.form.fields.get(name)
        choices = [str(value) for value, _label in getattr(field, "choices", []) if value]
        return choices[:1] or ["1"]

    def queries(self, route: str) -> list[str]:
        """One query per parameter (the gallery's filters, which every reader surface of a
        review takes, and those the OpenAPI schema declares for the route), and all of them
        at once."""
        names = {name: None for name in self.filters.filters}
        names.update(dict(api_query_params(route)))
        each = {name: self.query_values(name, enum) for name, enum in names.items()}
        return ([urlencode({name: values}, doseq=True) for name, values in each.items()]
                + [urlencode(each, doseq=True)])

    # --- the walk ---

    def check(self, url: str, response) -> None:
        text = (headers_text(response) + "\n" + body(response).decode("utf-8", "replace"))
        text = text.lower()
        leaked = sorted(secret for secret in self.secrets if secret in text)
        assert not leaked, f"{url} ({response.status_code}) shows {leaked}"
        self.answers[url] = response.status_code

    def fetch(self, url: str) -> int:
        response = self.client().get(url)
        self.check(url, response)
        shared = "public" in response.get("Cache-Control", "")
        if response.status_code == 200 and shared:
            again = self.client().get(url, HTTP_IF_NONE_MATCH=response["ETag"])
            self.check(url + " (If-None-Match)", again)
            assert again.status_code == 304, url
            self.not_modified += 1
            cached = self.client().get(url)
            self.check(url + " (cached copy)", cached)
            self.cached += 1
        return response.status_code

    def run(self) -> None:
        for route in routes():
            for path in fill(route, self.path_values):
                # The review's addresses take the filters; the site's others (sign-in, the
                # schema) are walked without a query.
                if self.fetch(path) == 200 and "<slug:slug>" in route and self.with_queries:
                    for query in self.queries(route):
                        self.fetch(f"{path}?{query}")


def test_no_reader_response_shows_a_rationale_or_a_member(decided):
    walk = ReaderWalk(decided)
    walk.run()

    read = {url for url, status in walk.answers.items() if status == 200}
    slug = decided.slug
    # The walk reached every reader surface, including filtered lists and the dashboard's
    # data, and the values readers may see are there: nothing is hidden by accident.
    for expected in [
        f"/reviews/{slug}/", f"/reviews/{slug}/cases/1/", f"/reviews/{slug}/cases/2/",
        f"/reviews/{slug}/dashboard/", f"/reviews/{slug}/dashboard/data/level.csv",
        f"/reviews/{slug}/export.csv", f"/reviews/{slug}/export.json",
        f"/api/reviews/{slug}/", f"/api/reviews/{slug}/codebook/",
        f"/api/reviews/{slug}/cases/", f"/api/reviews/{slug}/cases/1/",
        f"/api/reviews/{slug}/consensus/", f"/api/reviews/{slug}/dashboard/",
        f"/api/reviews/{slug}/cases/?include=consensus",
        f"/api/reviews/{slug}/consensus/?case=1",
        f"/api/reviews/{slug}/cases/1/documents/",
        f"/reviews/{slug}/releases/", f"/reviews/{slug}/releases/1/",
        f"/reviews/{slug}/releases/1/dashboard/", f"/reviews/{slug}/releases/1/download.zip",
        f"/api/reviews/{slug}/releases/", f"/api/reviews/{slug}/releases/1/",
    ]:
        assert expected in read, expected
    # The release's download is a zip: what is inside shows no rationale or member either.
    download = Client().get(f"/reviews/{slug}/releases/1/download.zip")
    with zipfile.ZipFile(io.BytesIO(download.content)) as archive:
        inside = b"".join(archive.read(name) for name in archive.namelist()).decode().lower()
    assert "the borough council ran it" in inside
    assert not sorted(secret for secret in walk.secrets if secret in inside)
    assert any(url.startswith(f"/reviews/{slug}/?level=") for url in read)
    assert walk.not_modified > 20 and walk.cached > 20
    # Every GET endpoint of the API schema was walked.
    walked = {schema_path(route) for route in routes()}
    assert api_get_paths() <= walked

    values = Client().get(f"/api/reviews/{slug}/consensus/?attribute=level").json()["results"]
    assert {(v["case"], v["method"], v["value"]) for v in values} == {
        ("1", "adjudicated", "local"), ("2", "discussion", "local")}
    assert set(values[0]) <= READER_CONSENSUS_FIELDS


def test_a_signed_in_reader_sees_no_rationale_or_member_either(decided):
    """Someone with an account but no role in the review is a reader too: their pages are
    rendered for them (never shared), and show no more. (Every address; the filtered
    variants take the anonymous reader's code paths, walked above.)"""
    reader = factories.UserFactory(username="quentin_r2", first_name="Quentin")
    signed_in = Client()
    signed_in.force_login(reader)
    walk = ReaderWalk(decided, client=lambda: signed_in, queries=False)
    walk.run()
    read = {url for url, status in walk.answers.items() if status == 200}
    assert f"/api/reviews/{decided.slug}/consensus/" in read
    assert f"/reviews/{decided.slug}/cases/2/" in read
    assert walk.not_modified == 0  # nothing of theirs is shared


def test_searching_for_a_rationale_or_a_member_finds_no_case(decided):
    """Nor can a reader find cases by what was said about them: search reads titles,
    summaries, countries and public documents, never a rationale or a thread."""
    for word in ["Zephyrine", "Quokkas", "Marmosets", "Quillfeather", "Thornbury"]:
        assert Client().get(f"/api/reviews/{decided.slug}/cases/", {"q": word}
                            ).json()["count"] == 0, word


def _api(user) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.mark.parametrize("username, sees", [
    ("lorcan_k5", True), ("adaeze_v9", True), ("aisha_q7", False), ("benedikt_x3", False),
])
def test_leads_and_adjudicators_keep_the_rationale_in_the_consensus_list(
    decided, username, sees
):
    """Members who read decisions on the adjudication page read them in the API too;
    coders, like readers, get the reader's fields only (coding.public.policies)."""
    user = get_user_model().objects.get(username=username)
    values = _api(user).get(f"/api/reviews/{decided.slug}/consensus/",
                            {"attribute": "level"}).json()["results"]
    by_case = {value["case"]: value for value in values}
    if sees:
        assert by_case["1"]["rationale"] == ADJUDICATOR_RATIONALE
        assert COMMENT in by_case["2"]["rationale"]
    else:
        assert all("rationale" not in value for value in values)
        assert set(by_case["1"]) <= READER_CONSENSUS_FIELDS


def test_a_reader_serializer_cannot_be_given_a_rationale_or_a_person():
    """A field outside the reader policy's list is refused when the class is made."""
    for field in ["rationale", "decided_by"]:
        with pytest.raises(ImproperlyConfigured, match=field):
            type("Leaky", (s.ReaderConsensusValueSerializer,),
                 {field: s.serializers.CharField()})
    assert set(s.ReaderConsensusValueSerializer().fields) <= READER_CONSENSUS_FIELDS
    assert set(s.ReaderValueSerializer().fields) <= READER_CONSENSUS_FIELDS
