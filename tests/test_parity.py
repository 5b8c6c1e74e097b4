"""Parity: the same actor asking the same question through every surface (pages, REST API,
Django admin) gets the same answer.

QUESTIONS holds each rule (actor -> answer). SURFACES says, per question, whom each surface
serves: EVERYONE, Only(actors, why), or NoSurface(why). PARITY is the table they make
(question x surface x actor -> expected). An actor a surface does not serve must get nothing
from it (the question's `nothing`), so a leak there still fails.
"Case X" is the case the actor codes with Bob (Alice: 1, Leo: 2, Adam: 3), else case 1.
"""

import csv
import difflib
import io
import json
import re
from collections import namedtuple
from dataclasses import dataclass

import pytest
from django.test import Client
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding import models

# The workflow's services, in one block.
from coding.adjudication.services import disagreement_comment, disagreement_resolve
from coding.assignments.services import assignment_set
from coding.codings.services import coding_reopen, coding_save_draft, coding_start, coding_submit
from coding.reviews.services import review_set_published, review_set_resolution_mode
from tests import factories

ACTORS = ["anonymous", "outsider", "coder_a", "coder_b", "lead", "lead_coder",
          "adjudicator", "adjudicator_coder"]
CODES_WITH_BOB = {"coder_a": "1", "lead_coder": "2", "adjudicator_coder": "3"}  # actor -> case
CASE_OF = {**CODES_WITH_BOB, "coder_b": "1"}
TITLES = {"1": "Aardvark lanes", "2": "Bison meals", "3": "Cheetah clinics"}
V, H = "visible", "hidden"
SHOWN, NONE = "shown", "none"


def bob_evidence(number: str) -> str:
    return f"bob-evidence-case-{number}"


@dataclass(frozen=True)
class Question:
    probe: str  # PROBES[(probe, surface)] answers it
    stage: str  # how far the workflow has gone (STAGES)
    rule: dict  # actor -> the answer the rule gives
    nothing: object  # what an actor the surface does not serve must get
    case: str | None = None  # a fixed case, else the actor's case X


Only = namedtuple("Only", "actors why")  # the surface serves these actors (why not others)
NoSurface = namedtuple("NoSurface", "why")  # the surface cannot be asked this question
EVERYONE = Only(frozenset(ACTORS), "")


def answers(default, **exceptions) -> dict:
    return {actor: exceptions.get(actor, default) for actor in ACTORS}


LISTED = {"lead": (("1", "2", "3"), 3), "lead_coder": (("1", "3"), 2)}  # (cases, count shown)
QUESTIONS = {
    # 1. May the actor see Bob's coding (values, evidence) of case X?
    "b_coding:b_draft": Question("b_coding", "b_draft", answers(H, coder_b=V), H),
    "b_coding:b_submitted": Question(
        "b_coding", "b_submitted", answers(H, coder_b=V, lead=V, adjudicator=V), H),
    "b_coding:both_submitted": Question(
        "b_coding", "both_submitted", answers(V, anonymous=H, outsider=H), H),
    # 2. Does the audit log show an event about Bob's draft of case X?
    "audit:b_draft": Question("audit", "b_draft", answers(H, lead=V), H),
    # 3. Which cases does the progress page list in a state, with which count (Leo codes 2)?
    "progress:in_progress": Question("progress:in_progress", "b_draft", LISTED, None),
    "progress:one_submitted": Question("progress:one_submitted", "b_submitted", LISTED, None),
    # 4. Is case X listed as ready to adjudicate; is a decision on it accepted?
    "listed_ready:both_submitted": Question(
        "listed_ready", "both_submitted", {"lead": True, "adjudicator": True}, False),
    "listed_ready:reopened": Question(
        "listed_ready", "reopened", {"lead": False, "adjudicator": False}, False),
    "decide:both_submitted": Question(
        "decide", "both_submitted", answers(False, adjudicator=True), False),
    "decide:reopened": Question("decide", "reopened", answers(False), False),
    # 5. Do readers see consensus values of a case (1: a disagreement open; 3: complete)?
    "public:partial": Question("public", "published", {"anonymous": NONE}, NONE, case="1"),
    "public:complete": Question("public", "published", {"anonymous": SHOWN}, NONE, case="3"),
    # 6. May the actor read the reliability figures, when they were computed and whether
    #    newer ones are being computed (the latest snapshot)?
    "reliability:both_submitted": Question(
        "reliability", "both_submitted", answers(False, lead=True, lead_coder=True), False),
    # 7. Is the actor's reader response shared (ETag, cached per data version)? Only an
    #    anonymous reader's: a signed-in person's page is theirs alone.
    "shared:published": Question("shared", "published", answers(False, anonymous=True), False,
                                 case="3"),
    # 8. May the actor import files into the review from the browser (upload, check, confirm,
    #    download the sample files)?
    "imports:published": Question(
        "imports", "published", answers(False, lead=True, lead_coder=True), False),
    # 9. May the actor add a person to the review's team?
    "members:published": Question(
        "members", "published", answers(False, lead=True, lead_coder=True), False),
    # 10. May the actor read case X's document that is not public (list it, download it)?
    "documents:published": Question(
        "documents", "published", answers(True, anonymous=False, outsider=False), False),
    # 11. Discussion mode (the coders discuss disagreements first). Blind until both have
    #    submitted; then the case's coders see each other's coding and the thread.
    "b_coding:discussion_b_submitted": Question(
        "b_coding", "discussion_b_submitted", answers(H, coder_b=V, lead=V, adjudicator=V), H),
    "b_coding:discussion_both_submitted": Question(
        "b_coding", "discussion_both_submitted", answers(V, anonymous=H, outsider=H), H),
    "thread:discussion_both_submitted": Question(
        "thread", "discussion_both_submitted", answers(V, anonymous=H, outsider=H), H),
    "thread:discussion_reopened": Question("thread", "discussion_reopened", answers(H), H),
    "listed_ready:discussion_both_submitted": Question(
        "listed_ready", "discussion_both_submitted", {"lead": False, "adjudicator": False},
        False),
    "decide:discussion_both_submitted": Question(
        "decide", "discussion_both_submitted", answers(False), False),
    # 12. May the actor read coder drift (agreement between the coders over time)?
    "drift:both_submitted": Question(
        "drift", "both_submitted", answers(False, lead=True, lead_coder=True), False),
    # 13. What do the actor's notifications say about case X? Bob submitting tells nobody
    #     anything; once both submitted, only an adjudicator who did not code it is told.
    "notified:b_submitted": Question("notified", "b_submitted", answers(
        (), **{actor: (f"Case {n} assigned to you in “Demo review”",)
               for actor, n in CASE_OF.items()}), ()),
    "notified:both_submitted": Question("notified", "both_submitted", answers(
        (), adjudicator=("Case 1 of “Demo review” needs adjudication",),
        **{actor: (f"Case {n} assigned to you in “Demo review”",)
           for actor, n in CASE_OF.items()}), ()),
    # 14. Calibration round 1 (case 9; Alice, Bob, Leo and Adam code it): may the actor see
    #    Bob's round coding of it once he submitted, and once every round coder did?
    "round_b:b_submitted": Question("round_b", "round_b_submitted", answers(H, coder_b=V), H,
                                    case="9"),
    "round_b:complete": Question(
        "round_b", "round_complete", answers(V, anonymous=H, outsider=H, adjudicator=H), H,
        case="9"),
    # 15. May the actor reopen Bob's submitted coding of case X? Leads only, and a lead who
    #     codes the case (Leo, case 2) only once both have submitted: before that the other
    #     coding does not exist for him (a 404 like a missing id, no name) (issue 25, item 1).
    "reopen:b_submitted": Question("reopen", "b_submitted", answers(False, lead=True), False),
    "reopen:both_submitted": Question(
        "reopen", "both_submitted", answers(False, lead=True, lead_coder=True), False),
    # 16. May the actor save a draft of case X once Alice, Leo and Adam lost the coder role
    #     (keeping their assignments and their other roles)? Coding takes both the coder role
    #     and the assignment, on every surface (issue 25, item 3).
    "code:coder_role_removed": Question(
        "code", "coder_role_removed", answers(False, coder_b=True), False),
    # 17. May the actor publish the review? Its leads, through review_set_published (checked
    #     and audited) on every surface, the admin too (issue 25, item 3).
    "publish:unpublished": Question(
        "publish", "b_draft", answers(False, lead=True, lead_coder=True), False),
    # 18. May the actor change the codebook (open the editor and save; the API's PUT)? Its
    #     leads, through codebook_save on every surface (issue 24, item 2).
    "codebook_edit:published": Question(
        "codebook_edit", "published", answers(False, lead=True, lead_coder=True), False),
    # 19. May the actor read the codebook as its file (the API's GET ?format=json|yaml)?
    #     Members; anyone once the review is published, as the codebook was readable before.
    "codebook_read:unpublished": Question(
        "codebook_read", "b_draft", answers(True, anonymous=False, outsider=False), False),
    "codebook_read:published": Question("codebook_read", "published", answers(True), False),
    # 20. May the actor add many documents at once, matched to cases by file name (the
    #     review's documents page, POST documents/; issue 24)? The review's leads, as for one
    #     document. import_documents has no actor: test_bulk_documents_answer_alike_...
    #     compares its answer per file with the lead's page and API.
    "bulk_documents:published": Question(
        "bulk_documents", "published", answers(False, lead=True, lead_coder=True), False),
    # 21. May the actor download the replication package (names coders, carries the
    #     rationales; issue 21, item 5)? The review's leads, as the reliability page; never
    #     a reader, even of a published review.
    "package:published": Question(
        "package", "published", answers(False, lead=True, lead_coder=True), False),
    # May the actor import a search's candidate records (and list the records)?
    "records:published": Question(
        "records", "published", answers(False, lead=True, lead_coder=True), False),
    # 22. May the actor freeze the public data as a citable release (the releases page's form,
    #     the API's POST releases/)? The review's leads, through release_request (issue 21):
    #     both queue a request that a background task carries out.
    "release:published": Question(
        "release", "published", answers(False, lead=True, lead_coder=True), False),
    # 23. Would the actor's codings file replace Bob's submitted coding of case X (the Import
    #     page's dry run)? Leads import codings, but a lead who codes case X (Leo, case 2) not
    #     Bob's coding of it until both submitted: the row is refused, as it would be had Bob
    #     not coded (tests/imports/test_blind_import.py).
    "import_b:b_submitted": Question("import_b", "b_submitted", answers(False, lead=True), False),
    "import_b:both_submitted": Question(
        "import_b", "both_submitted", answers(False, lead=True, lead_coder=True), False),
}

STAFF_LEADS = Only(frozenset({"lead", "lead_coder"}),
                   "the admin serves staff leads only; others get its sign-in page")
NO_QUEUE_IN_ADMIN = NoSurface("the admin shows disagreements read-only: no queue, no decisions")
NO_PROGRESS = {
    "api": NoSurface("assignments/ says who codes what, with no state; codings/ is your queue"),
    "admin": NoSurface("no case-state filter; its Coding list is asked under b_coding"),
}
SURFACES = {
    "b_coding:b_draft": {"page": EVERYONE, "api": EVERYONE, "admin": STAFF_LEADS},
    "b_coding:b_submitted": {
        "page": EVERYONE, "admin": STAFF_LEADS,
        "api": Only(frozenset({"coder_b"}), "codings/ shows your own coding only; others' "
                    "values come in disagreements/, which exist once both have submitted"),
    },
    "b_coding:both_submitted": {
        "page": EVERYONE, "admin": STAFF_LEADS,
        "api": Only(frozenset({"coder_b", "lead", "adjudicator", "lead_coder",
                               "adjudicator_coder"}),
                    "a plain coder gets only their own coding: disagreements/ is for leads and "
                    "adjudicators, the API has no view of the partner's coding"),
    },
    "audit:b_draft": {"page": EVERYONE, "admin": EVERYONE,
                      "api": NoSurface("the API has no audit log")},
    "progress:in_progress": {"page": EVERYONE, **NO_PROGRESS},
    "progress:one_submitted": {"page": EVERYONE, **NO_PROGRESS},
    "listed_ready:both_submitted": {"page": EVERYONE, "api": EVERYONE,
                                    "admin": NO_QUEUE_IN_ADMIN},
    "decide:both_submitted": {"page": EVERYONE, "api": EVERYONE, "admin": NO_QUEUE_IN_ADMIN},
    "public:partial": {"page": EVERYONE, "api": EVERYONE,
                       "admin": NoSurface("readers have no admin")},
}
SURFACES["reliability:both_submitted"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("snapshots are derived figures, not records to edit: the admin does not "
                       "list them"),
}
SURFACES["listed_ready:reopened"] = SURFACES["listed_ready:both_submitted"]
SURFACES["decide:reopened"] = SURFACES["decide:both_submitted"]
SURFACES["public:complete"] = SURFACES["public:partial"]
SURFACES["shared:published"] = {"page": EVERYONE, "api": EVERYONE,
                                 "admin": NoSurface("the admin is never shared")}
SURFACES["b_coding:discussion_b_submitted"] = {
    **SURFACES["b_coding:b_submitted"],
    "api": Only(frozenset({"coder_b"}), "codings/ shows your own coding only; discussions/ "
                "and disagreements/ exist once both have submitted"),
}
SURFACES["b_coding:discussion_both_submitted"] = {
    "page": EVERYONE, "admin": STAFF_LEADS, "api": EVERYONE,
}
SURFACES["thread:discussion_both_submitted"] = {
    "page": EVERYONE, "api": EVERYONE, "admin": STAFF_LEADS,
}
SURFACES["thread:discussion_reopened"] = SURFACES["thread:discussion_both_submitted"]
SURFACES["listed_ready:discussion_both_submitted"] = SURFACES["listed_ready:both_submitted"]
SURFACES["decide:discussion_both_submitted"] = SURFACES["decide:both_submitted"]
SURFACES["round_b:b_submitted"] = {"page": EVERYONE, "api": EVERYONE, "admin": STAFF_LEADS}
SURFACES["round_b:complete"] = SURFACES["round_b:b_submitted"]
SURFACES["imports:published"] = {
    "page": EVERYONE,
    "api": NoSurface("the API has no file import: scripts send codings and documents to their "
                     "own endpoints"),
    "admin": NoSurface("import jobs are not records to edit: the admin does not list them"),
}

SURFACES["import_b:b_submitted"] = SURFACES["import_b:both_submitted"] = {
    **SURFACES["imports:published"], "page": EVERYONE,
}
SURFACES["members:published"] = {"page": EVERYONE, "api": EVERYONE, "admin": STAFF_LEADS}
SURFACES["documents:published"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("documents are managed on the case's documents page: the admin does not "
                       "list them"),
}
SURFACES["drift:both_submitted"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("drift is computed from the codings and consensus: nothing to edit"),
}
SURFACES["notified:b_submitted"] = SURFACES["notified:both_submitted"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("notifications are each person's own inbox: the admin does not list "
                       "them"),
}

SURFACES["reopen:b_submitted"] = SURFACES["reopen:both_submitted"] = {
    "page": EVERYONE,
    "api": NoSurface("the API does not reopen codings: leads reopen on the coding's page"),
    "admin": NoSurface("the admin shows codings read-only: it reopens nothing"),
}
SURFACES["code:coder_role_removed"] = {
    "page": EVERYONE, "api": EVERYONE, "admin": NoSurface("nobody codes in the admin"),
}
SURFACES["publish:unpublished"] = {
    "page": EVERYONE,
    "api": NoSurface("the API publishes nothing: the review's page or the admin does"),
    "admin": STAFF_LEADS,
}
SURFACES["bulk_documents:published"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("documents are managed on the documents pages: the admin does not list "
                       "them"),
}

SURFACES["package:published"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("the package is a download of derived files, not a record to edit"),
}
SURFACES["records:published"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("records are imported, listed and settled on the Records page: the "
                       "admin does not list them"),
}
SURFACES["codebook_edit:published"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("the admin shows codebooks read-only: they change in the editor, by the "
                       "API or by import"),
}
SURFACES["codebook_read:unpublished"] = SURFACES["codebook_read:published"] = {
    "page": NoSurface("pages show the codebook as the coding form and the gallery's filters; "
                      "the editor page is the leads' (codebook_edit)"),
    "api": EVERYONE,
    "admin": NoSurface("the admin shows codebooks to staff leads only, read-only"),
}

SURFACES["release:published"] = {
    "page": EVERYONE, "api": EVERYONE,
    "admin": NoSurface("releases are made on the releases page or by the API: the admin does "
                       "not list them"),
}

PARITY = [
    pytest.param(name, surface, actor, answer if actor in served.actors else question.nothing,
                 id=f"{name}-{surface}-{actor}")
    for name, question in QUESTIONS.items()
    for surface, served in SURFACES[name].items() if not isinstance(served, NoSurface)
    for actor, answer in question.rule.items()
]


def _member(review, username, *roles, staff=False):
    user = factories.UserFactory(username=username, is_staff=staff)
    for role in roles:
        factories.MembershipFactory(review=review, user=user, role=role)
    return user


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Documents uploaded by a probe go to a fresh folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def users(review, coder_a, coder_b, adjudicator, lead, outsider):
    lead.is_staff = True
    lead.save()
    Role = models.Role
    return {
        "anonymous": None, "outsider": outsider, "coder_a": coder_a, "coder_b": coder_b,
        "lead": lead, "adjudicator": adjudicator,
        "lead_coder": _member(review, "leo", Role.LEAD, Role.CODER, staff=True),
        "adjudicator_coder": _member(review, "adam", Role.ADJUDICATOR, Role.CODER),
    }


@pytest.fixture
def world(review, users):
    """Cases 1, 2 and 3, each coded by Bob with Alice, Leo and Adam (assigned first)."""
    cases = {}
    for actor, number in CODES_WITH_BOB.items():
        cases[number] = factories.CaseFactory(review=review, number=number, title=TITLES[number])
        assignment_set(case=cases[number], coders=[users[actor], users["coder_b"]],
                       assigned_by=users["lead"])
    return {"review": review, "users": users, "cases": cases}


@pytest.fixture
def as_actor(users):
    """as_actor("lead") -> a client signed in as Lena (pages, admin); api=True: by token."""

    def make(actor: str, api: bool = False):
        user, client = users[actor], APIClient() if api else Client()
        if user is not None and api:
            key = Token.objects.get_or_create(user=user)[0].key
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        elif user is not None:
            client.force_login(user)
        return client

    return make


def _code(case, user, values=None, submit=False):
    coding = coding_start(case=case, user=user)
    if values:
        coding = coding_save_draft(coding=coding, values=values, expected_version=coding.version,
                                   user=user)
    if submit:
        coding_submit(coding=coding, expected_version=coding.version, user=user)


def bob_drafts(w, number):
    _code(w["cases"][number], w["users"]["coder_b"], {
        "level": {"value": "state", "evidence": bob_evidence(number)},
        "roles": {"value": ["deliverer"]}})


def bob_submits(w, number):
    _code(w["cases"][number], w["users"]["coder_b"], submit=True)


def partner_submits(w, number):
    """Agrees with Bob on roles, not on level."""
    partner = w["users"][next(a for a, n in CODES_WITH_BOB.items() if n == number)]
    _code(w["cases"][number], partner, {"level": {"value": "local", "evidence": "partner quote"},
                                        "roles": {"value": ["deliverer"]}}, submit=True)


def lead_reopens_bob(w, number):
    coding_reopen(coding=_bob_coding(w, number), user=w["users"]["lead"], reason="Recheck.")


def bob_comment(number: str) -> str:
    return f"bob-comment-case-{number}"


def bob_comments(w, number):
    """Bob comments on the level disagreement of the case (discussion mode)."""
    disagreement = models.Disagreement.objects.get(case=w["cases"][number],
                                                   attribute__key="level")
    disagreement_comment(disagreement=disagreement, user=w["users"]["coder_b"],
                         body=bob_comment(number))


STEPS = [bob_drafts, bob_submits, partner_submits, lead_reopens_bob]
STAGES = {"b_draft": 1, "b_submitted": 2, "both_submitted": 3, "reopened": 4, "published": 3,
          "round_b_submitted": 0, "round_complete": 0, "coder_role_removed": 0}
DISCUSSION_STEPS = [bob_drafts, bob_submits, partner_submits, bob_comments, lead_reopens_bob]
DISCUSSION_STAGES = {"discussion_b_submitted": 2, "discussion_both_submitted": 4,
                     "discussion_reopened": 5}
ROUND_CODERS = ("coder_a", "coder_b", "lead_coder", "adjudicator_coder")


def round_bob_evidence(number: str) -> str:
    return f"bob-round-evidence-{number}"


def round_stage(w, name):
    """Round 1 of case 9 (assigned to nobody in the review): Bob submits "state" with his
    quote; at "round_complete" the others submit "local" too."""
    from coding.rounds.services import (
        round_coding_save_draft,
        round_coding_start,
        round_coding_submit,
        round_create,
    )

    case = factories.CaseFactory(review=w["review"], number="9", title="Round case")
    round_ = round_create(review=w["review"], title="Pilot", cases=[case],
                          coders=[w["users"][a] for a in ROUND_CODERS], user=w["users"]["lead"])
    coders = ["coder_b"] + ([a for a in ROUND_CODERS if a != "coder_b"]
                            if name == "round_complete" else [])
    for actor in coders:
        user = w["users"][actor]
        level = {"value": "state", "evidence": round_bob_evidence("9")} if actor == "coder_b" \
            else {"value": "local", "evidence": "partner round quote"}
        coding = round_coding_save_draft(
            coding=round_coding_start(round_=round_, case=case, user=user),
            values={"level": level, "roles": {"value": ["deliverer"]}}, expected_version=0,
            user=user)
        round_coding_submit(coding=coding, expected_version=coding.version, user=user)


def stage(w, name):
    """Take cases 1, 2 and 3 through the workflow's first STAGES[name] steps; "published"
    then settles case 3's disagreement and publishes the review. The "discussion_" stages
    set the review to discussion first and go through DISCUSSION_STEPS."""
    steps = STEPS[:STAGES.get(name, 0)]
    if name in DISCUSSION_STAGES:
        review_set_resolution_mode(review=w["review"], actor=w["users"]["lead"],
                                   mode=models.ResolutionMode.DISCUSSION)
        steps = DISCUSSION_STEPS[:DISCUSSION_STAGES[name]]
    for step in steps:
        for number in w["cases"]:
            step(w, number)
    if name.startswith("round_"):
        round_stage(w, name)
    if name == "coder_role_removed":
        from coding.members.services import membership_delete

        for actor in ("coder_a", "lead_coder", "adjudicator_coder"):
            membership_delete(membership=models.Membership.objects.get(
                user=w["users"][actor], role=models.Role.CODER), actor=w["users"]["lead"])
    if name == "published":
        disagreement = models.Disagreement.objects.get(case=w["cases"]["3"],
                                                       attribute__key="level")
        disagreement_resolve(disagreement=disagreement, user=w["users"]["adjudicator"],
                             choice="a", rationale="The quote is clear.", expected_version=0)
        review_set_published(review=w["review"], actor=w["users"]["lead"], published=True)


def _bob_coding(w, number) -> models.Coding:
    return models.Coding.objects.get(case=w["cases"][number], coder=w["users"]["coder_b"])


def _agree(hits: dict, shown, nothing):
    """One answer for a surface: the same from all its URLs, else which URL says what."""
    found = {shown if hit else nothing for hit in hits.values()}
    return found.pop() if len(found) == 1 else hits


def b_coding_page(w, actor, number, as_actor):
    page = as_actor(actor).get(f"/reviews/demo/codings/{_bob_coding(w, number).pk}/", follow=True)
    return V if page.status_code == 200 and bob_evidence(number) in page.text else H


def b_coding_api(w, actor, number, as_actor):
    """Bob reads his own coding through codings/; leads and adjudicators via disagreements/;
    in discussion mode the case's coders via discussions/ and the threads."""
    ids = models.Disagreement.objects.filter(case=w["cases"][number]).values_list("pk", flat=True)
    urls = [f"codings/{number}/", f"disagreements/?case={number}",
            f"discussions/?case={number}"]
    urls += [f"disagreements/{pk}/" for pk in ids]
    urls += [f"disagreements/{pk}/comments/" for pk in ids]
    api = as_actor(actor, api=True)
    hits = [bob_evidence(number) in api.get(f"/api/reviews/demo/{url}").text for url in urls]
    return V if any(hits) else H


def b_coding_admin(w, actor, number, as_actor):
    client, coding = as_actor(actor), _bob_coding(w, number)
    change = client.get(f"/admin/coding/coding/{coding.pk}/change/", follow=True)
    values = client.get("/admin/coding/codedvalue/").text
    return _agree({
        "coding change page": bob_evidence(number) in change.text,
        "codedvalue list": any(f"/admin/coding/codedvalue/{pk}/change/" in values
                               for pk in coding.values.values_list("pk", flat=True)),
    }, V, H)


def audit_page(w, actor, number, as_actor):
    pk = _bob_coding(w, number).pk
    pages = [as_actor(actor).get(f"/reviews/demo/audit/{query}").text
             for query in ("", "?action=coding.save_draft")]
    return V if any(f"coding.coding #{pk}<" in page for page in pages) else H


def audit_admin(w, actor, number, as_actor):
    events = models.AuditEvent.objects.filter(object_type="coding.coding",
                                              object_id=str(_bob_coding(w, number).pk))
    pages = [as_actor(actor).get(f"/admin/coding/auditevent/{query}").text
             for query in ("", "?action__exact=coding.save_draft")]
    links = [f"/admin/coding/auditevent/{e.pk}/change/" for e in events]
    return V if any(link in page for page in pages for link in links) else H


def progress_page(state):
    def probe(w, actor, number, as_actor):
        page = as_actor(actor).get(f"/reviews/demo/progress/?state={state}")
        if page.status_code != 200:
            return None
        listed = tuple(re.findall(r'<tr id="case-([^"]+)">', page.text))
        count = re.search(rf'href="\?state={state}"[^>]*>[^<]*<span class="count">(\d+)<',
                          page.text)
        return listed, int(count.group(1))
    return probe


def listed_ready_page(w, actor, number, as_actor):
    queue = as_actor(actor).get("/reviews/demo/adjudication/").text
    return f'/adjudication/{number}/">Case {number}<' in queue


def listed_ready_api(w, actor, number, as_actor):
    response = as_actor(actor, api=True).get("/api/reviews/demo/disagreements/?status=open")
    rows = response.json()["results"] if response.status_code == 200 else []
    # A row of a reopened coding says so (submitted: false): listed, but not as ready.
    return any(r["case"] == number and r["a"]["submitted"] and r["b"]["submitted"] for r in rows)


def _decisions(case) -> tuple:
    """What a decision changes: consensus values, disagreements' states, revisions."""
    return (list(models.ConsensusValue.objects.filter(case=case)
                 .values_list("attribute__key", "method", "version")),
            list(models.Disagreement.objects.filter(case=case).values_list("pk", "status")),
            models.ConsensusRevision.objects.filter(consensus__case=case).count())


def decide_page(w, actor, number, as_actor):
    case, data = w["cases"][number], {"level-choice": "a", "level-expected_version": 0,
                                      "level-rationale": "The quote is clear."}
    before = _decisions(case)
    as_actor(actor).post(f"/reviews/demo/adjudication/{number}/level/decide/", data)
    return _decisions(case) != before


def decide_api(w, actor, number, as_actor):
    case = w["cases"][number]
    pk = models.Disagreement.objects.get(case=case, attribute__key="level").pk
    before = _decisions(case)
    status = as_actor(actor, api=True).post(
        f"/api/reviews/demo/disagreements/{pk}/resolve/",
        {"choice": "a", "rationale": "The quote is clear.", "version": 0}, format="json",
    ).status_code
    if _decisions(case) != before:
        return True
    return False if status >= 400 else f"answered {status} and changed nothing"


def thread_page(w, actor, number, as_actor):
    """The coders read the thread on the discussion page, leads and adjudicators on the
    adjudication page."""
    client = as_actor(actor)
    pages = [client.get(f"/reviews/demo/{path}/{number}/").text
             for path in ("discussion", "adjudication")]
    return V if any(bob_comment(number) in page for page in pages) else H


def thread_api(w, actor, number, as_actor):
    api = as_actor(actor, api=True)
    pk = models.Disagreement.objects.get(case=w["cases"][number], attribute__key="level").pk
    hits = [bob_comment(number) in api.get(f"/api/reviews/demo/{url}").text for url in (
        f"disagreements/{pk}/comments/", f"discussions/?case={number}",
        f"disagreements/?case={number}")]
    return V if any(hits) else H


def thread_admin(w, actor, number, as_actor):
    client = as_actor(actor)
    comment = models.DisagreementComment.objects.get(body=bob_comment(number))
    listed = f"/admin/coding/disagreementcomment/{comment.pk}/change/" in client.get(
        "/admin/coding/disagreementcomment/").text
    change = client.get(f"/admin/coding/disagreementcomment/{comment.pk}/change/", follow=True)
    return _agree({"changelist": listed, "change page": bob_comment(number) in change.text},
                  V, H)


def _card(gallery: str, number: str) -> str:
    cards = gallery.split('<li class="card case-card">')[1:]
    return next((c for c in cards if f'"case-number">{number}.</span>' in c), "")


def public_page(w, actor, number, as_actor):
    client, word = as_actor(actor), TITLES[number].split()[0]
    rows = csv.DictReader(io.StringIO(client.get("/reviews/demo/export.csv").getvalue().decode()))
    row = next(r for r in rows if r["number"] == number)
    cases = json.loads(client.get("/reviews/demo/export.json").getvalue())["cases"]
    sheet = load_workbook(io.BytesIO(b"".join(
        client.get("/reviews/demo/export.xlsx").streaming_content)), read_only=True).active
    xlsx = next(r for r in sheet.iter_rows(values_only=True) if r[0] == number)
    chart = client.get(f"/reviews/demo/dashboard/data/roles.csv?q={word}").text
    return _agree({
        "gallery card": '<li class="tag"' in _card(client.get("/reviews/demo/").text, number),
        "gallery filter": bool(_card(client.get("/reviews/demo/?roles=deliverer").text, number)),
        "case page": 'class="consensus-value"' in client.get(f"/reviews/demo/cases/{number}/").text,
        "export.csv": any(row[key] for key in ("level", "roles", "budget", "agreement")),
        "export.json": bool(next(c for c in cases if c["number"] == number)["consensus"]),
        "export.xlsx": any(cell is not None for cell in xlsx[9:]),
        "dashboard csv": any(int(line[-1]) for line in list(csv.reader(io.StringIO(chart)))[1:]),
    }, SHOWN, NONE)


def public_api(w, actor, number, as_actor):
    api, word, base = as_actor(actor, api=True), TITLES[number].split()[0], "/api/reviews/demo/"
    charts = api.get(base + f"dashboard/?q={word}").json()["charts"]
    return _agree({
        "consensus?case": bool(api.get(base + f"consensus/?case={number}").json()["results"]),
        "consensus": any(v["case"] == number
                         for v in api.get(base + "consensus/").json()["results"]),
        "cases/X": bool(api.get(base + f"cases/{number}/").json()["consensus"]),
        "cases?filter": any(c["number"] == number for c in
                            api.get(base + "cases/?roles=deliverer").json()["results"]),
        "dashboard": any(int(row[-1]) for c in charts if c["id"] in ("level", "roles")
                         for row in c["rows"]),
    }, SHOWN, NONE)


def reliability_page(w, actor, number, as_actor):
    snapshot = factories.reliability_computed(w["review"])
    client, base = as_actor(actor), "/reviews/demo/reliability"
    status = client.get(f"{base}/status/")
    return _agree({
        "page": 'id="reliability-table"' in client.get(f"{base}/").text,
        "status": status.status_code == 200 and status.json()["snapshot"] == snapshot.pk,
        "csv": client.get(f"{base}.csv").text.startswith("attribute,option,units"),
    }, True, False)


def reliability_api(w, actor, number, as_actor):
    factories.reliability_computed(w["review"])
    body = as_actor(actor, api=True).get("/api/reviews/demo/reliability/")
    return body.status_code == 200 and body.json()["status"] == "up_to_date"


def imports_page(w, actor, number, as_actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_actor(actor)
    upload = client.post("/reviews/demo/import/", {"kind": "cases", "file": SimpleUploadedFile(
        "cases.csv", b"number,title,country,year,service_area,summary,source\n90,T,UK,,,,\n")})
    return _agree({
        "page": client.get("/reviews/demo/import/").status_code == 200,
        "sample": client.get("/reviews/demo/import/sample/cases.xlsx").status_code == 200,
        "upload": upload.status_code == 302
        and upload["Location"].startswith("/reviews/demo/import/"),
    }, True, False)


def import_b_page(w, actor, number, as_actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coding.imports.services import import_job_check

    user = w["users"][actor]
    as_actor(actor).post("/reviews/demo/import/", {"kind": "codings", "file": SimpleUploadedFile(
        "codings.csv", f"case,coder,attribute,value\n{number},bob,level,local\n".encode())})
    job = models.ImportJob.objects.filter(created_by=user).order_by("-id").first() \
        if user is not None else None
    if job is None:
        return False
    job = import_job_check(job_id=job.pk)
    return job.status == models.ImportStatus.CHECKED and job.preview["updated"] == 1


def _newcomer(w, actor):
    """Someone with an account who is not in the review yet, and whether they are now."""
    user = factories.UserFactory(username=f"nina-{actor}")
    return user, lambda: models.Membership.objects.filter(review=w["review"], user=user).exists()


def members_page(w, actor, number, as_actor):
    user, joined = _newcomer(w, actor)
    as_actor(actor).post("/reviews/demo/members/add/",
                         {"identifier": user.username, "roles": ["coder"]})
    return joined()


def members_api(w, actor, number, as_actor):
    user, joined = _newcomer(w, actor)
    as_actor(actor, api=True).post("/api/reviews/demo/members/",
                                   {"user": user.username, "roles": ["coder"]}, format="json")
    return joined()


def members_admin(w, actor, number, as_actor):
    user, joined = _newcomer(w, actor)
    as_actor(actor).post("/admin/coding/membership/add/",
                         {"review": w["review"].pk, "user": user.pk, "role": "coder"})
    return joined()


DOCUMENT_TEXT = b"Minutes of the residents' meeting: private to the review team.\n"


def _private_document(w, number):
    from django.core.files.base import ContentFile

    from coding.documents.services import document_upload

    return document_upload(case=w["cases"][number], actor=w["users"]["lead"],
                           file=ContentFile(DOCUMENT_TEXT, name="minutes.txt"))


def documents_page(w, actor, number, as_actor):
    document, client = _private_document(w, number), as_actor(actor)
    listing = client.get(f"/reviews/demo/cases/{number}/documents/")
    file = client.get(f"/reviews/demo/cases/{number}/documents/{document.pk}/file/")
    return _agree({
        "documents page": listing.status_code == 200 and "minutes.txt" in listing.text,
        "file": file.status_code == 200 and b"".join(file.streaming_content) == DOCUMENT_TEXT,
    }, True, False)


def documents_api(w, actor, number, as_actor):
    document, api = _private_document(w, number), as_actor(actor, api=True)
    base = f"/api/reviews/demo/cases/{number}/documents/"
    listing = api.get(base)
    file = api.get(f"{base}{document.pk}/file/")
    return _agree({
        "list": listing.status_code == 200 and "minutes.txt" in listing.text,
        "detail": api.get(f"{base}{document.pk}/").status_code == 200,
        "file": file.status_code == 200 and b"".join(file.streaming_content) == DOCUMENT_TEXT,
    }, True, False)
def _bob_round_coding() -> models.RoundCoding:
    return models.RoundCoding.objects.get(coder__username="bob")


def round_b_page(w, actor, number, as_actor):
    client = as_actor(actor)
    pages = [client.get(f"/reviews/demo/rounds/1/{path}") for path in ("", "cases/9/code/")]
    return V if any(round_bob_evidence(number) in p.text for p in pages) else H


def round_b_api(w, actor, number, as_actor):
    api = as_actor(actor, api=True)
    bodies = [api.get(f"/api/reviews/demo/rounds/{path}") for path in ("1/", "1/codings/9/")]
    return V if any(round_bob_evidence(number) in b.text for b in bodies) else H


def round_b_admin(w, actor, number, as_actor):
    client, coding = as_actor(actor), _bob_round_coding()
    change = client.get(f"/admin/coding/roundcoding/{coding.pk}/change/", follow=True)
    values = client.get("/admin/coding/roundvalue/").text
    return _agree({
        "round coding change page": round_bob_evidence(number) in change.text,
        "roundvalue list": any(f"/admin/coding/roundvalue/{pk}/change/" in values
                               for pk in coding.values.values_list("pk", flat=True)),
    }, V, H)


def _shared(responses: dict) -> object:
    return _agree({name: response.status_code == 200 and "ETag" in response
                   and "public" in response["Cache-Control"]
                   for name, response in responses.items()}, True, False)


def shared_page(w, actor, number, as_actor):
    client = as_actor(actor)
    return _shared({path or "gallery": client.get(f"/reviews/demo/{path}") for path in (
        "", f"cases/{number}/", "dashboard/", "dashboard/data/level.csv")})


def shared_api(w, actor, number, as_actor):
    api = as_actor(actor, api=True)
    return _shared({path or "review": api.get(f"/api/reviews/demo/{path}") for path in (
        "", "codebook/", "cases/?include=consensus", f"cases/{number}/", "consensus/",
        "dashboard/")})


def drift_page(w, actor, number, as_actor):
    factories.reliability_computed(w["review"])  # drift is served from the snapshot
    client, base = as_actor(actor), "/reviews/demo/reliability"
    return _agree({
        "page": 'id="drift-heading"' in client.get(f"{base}/").text,
        "csv": client.get(f"{base}/drift.csv").text.startswith("coder,period,"),
    }, True, False)


def drift_api(w, actor, number, as_actor):
    factories.reliability_computed(w["review"])
    body = as_actor(actor, api=True).get("/api/reviews/demo/reliability/drift/")
    return body.status_code == 200 and "rows" in body.json()


def _about_case(texts, number) -> tuple:
    return tuple(sorted(t for t in texts if f"Case {number} " in t))


def notified_page(w, actor, number, as_actor):
    html = as_actor(actor).get("/notifications/").text
    texts = re.findall(r'notification-open">(?:<span[^>]*>Unread: </span>)?([^<]*)</button>',
                       html)
    return _about_case(texts, number)


def notified_api(w, actor, number, as_actor):
    response = as_actor(actor, api=True).get("/api/notifications/")
    if response.status_code != 200:
        return ()
    return _about_case([n["text"] for n in response.json()["results"]], number)


def reopen_page(w, actor, number, as_actor):
    """Reopened, or refused as if the coding did not exist (404; anonymous: sign in)."""
    coding = _bob_coding(w, number)
    response = as_actor(actor).post(f"/reviews/demo/codings/{coding.pk}/reopen/",
                                    {"reason": "Recheck."})
    if _bob_coding(w, number).status == models.CodingStatus.DRAFT:
        return True
    if response.status_code == 404 or (actor == "anonymous" and response.status_code == 302):
        return False
    return f"refused with {response.status_code}, not as a missing coding"


def _own_coding_version(w, actor, number):
    user = w["users"][actor]
    if user is None:
        return None
    coding = models.Coding.objects.filter(case=w["cases"][number], coder=user).first()
    return coding and coding.version


def code_page(w, actor, number, as_actor):
    before = _own_coding_version(w, actor, number)
    as_actor(actor).post(f"/reviews/demo/cases/{number}/code/",
                         {"action": "save", "version": before or 0, "level": "local"})
    return _own_coding_version(w, actor, number) != before


def code_api(w, actor, number, as_actor):
    before = _own_coding_version(w, actor, number)
    as_actor(actor, api=True).put(
        f"/api/reviews/demo/codings/{number}/",
        {"version": before or 0, "values": [{"attribute": "level", "value": "local"}]},
        format="json")
    return _own_coding_version(w, actor, number) != before


def _published(w) -> object:
    """Published through the service (its audit event), or how it was published."""
    published = models.Review.objects.get(pk=w["review"].pk).is_published
    audited = models.AuditEvent.objects.filter(action="review.publish").exists()
    return published if published == audited else "published without an audit event"


def publish_page(w, actor, number, as_actor):
    as_actor(actor).post("/reviews/demo/publish/", {"action": "publish"})
    return _published(w)


def publish_admin(w, actor, number, as_actor):
    review = w["review"]
    as_actor(actor).post(f"/admin/coding/review/{review.pk}/change/", {
        "title": review.title, "slug": review.slug, "description": "", "is_published": "on",
        "resolution_mode": review.resolution_mode, "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000"})
    return _published(w)


def _bulk_file(actor: str, number: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{number}-bulk-{actor}.txt", f"Notes by {actor}.".encode())


def _bulk_stored(actor: str, number: str) -> bool:
    return models.Document.objects.filter(filename=f"{number}-bulk-{actor}.txt").exists()


def _package_zip(response) -> bool:
    if response.status_code != 200 or response.get("Content-Type") != "application/zip":
        return False
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return "datapackage.json" in archive.namelist()


def package_page(w, actor, number, as_actor):
    factories.reliability_computed(w["review"])
    return _package_zip(as_actor(actor).get("/reviews/demo/reliability/package.zip"))


def package_api(w, actor, number, as_actor):
    factories.reliability_computed(w["review"])
    return _package_zip(as_actor(actor, api=True).get("/api/reviews/demo/package/"))


RECORDS_RIS = b"TY  - RPRT\nTI  - Residents run the library\nPY  - 2015\nER  - \n"


def records_page(w, actor, number, as_actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_actor(actor)
    upload = client.post("/reviews/demo/records/", {
        "file": SimpleUploadedFile("r.ris", RECORDS_RIS), "source": "Nesta"})
    return _agree({
        "page": client.get("/reviews/demo/records/").status_code == 200,
        "upload": upload.status_code == 302
        and upload["Location"].startswith("/reviews/demo/records/imports/"),
    }, True, False)


def records_api(w, actor, number, as_actor):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = as_actor(actor, api=True)
    upload = client.post("/api/reviews/demo/records/", {
        "file": SimpleUploadedFile("r.ris", RECORDS_RIS), "source": "Nesta"},
        format="multipart")
    return _agree({
        "list": client.get("/api/reviews/demo/records/").status_code == 200,
        "upload": upload.status_code == 201 and models.Record.objects.exists(),
    }, True, False)


def bulk_documents_page(w, actor, number, as_actor):
    client = as_actor(actor)
    page = client.get("/reviews/demo/documents/")
    client.post("/reviews/demo/documents/", {"action": "upload",
                                             "files": [_bulk_file(actor, number)]})
    return _agree({"page": page.status_code == 200, "upload": _bulk_stored(actor, number)},
                  True, False)


def bulk_documents_api(w, actor, number, as_actor):
    as_actor(actor, api=True).post("/api/reviews/demo/documents/",
                                   {"files": [_bulk_file(actor, number)]}, format="multipart")
    return _bulk_stored(actor, number)


# Each probe: (world, actor, case number, as_actor) -> the surface's normalised answer.
def _codebook_edited(w, actor):
    """The codebook with a new title by `actor`, its token, and whether it is now saved."""
    from coding.reviews.codebooks import codebook_file_data, codebook_token

    review = w["review"]
    data = codebook_file_data(review.current_codebook())
    data["title"] = f"Retitled by {actor}"
    return data, codebook_token(review), (
        lambda: review.current_codebook().title == data["title"])


def codebook_edit_page(w, actor, number, as_actor):
    client = as_actor(actor)
    data, token, saved = _codebook_edited(w, actor)
    opened = client.get("/reviews/demo/codebook/")
    client.post("/reviews/demo/codebook/", {"codebook": json.dumps(data), "token": token},
                HTTP_ACCEPT="application/json")
    return _agree({"page": opened.status_code == 200, "save": saved()}, True, False)


def codebook_edit_api(w, actor, number, as_actor):
    client = as_actor(actor, api=True)
    data, token, saved = _codebook_edited(w, actor)
    client.put("/api/reviews/demo/codebook/", data, format="json", HTTP_IF_MATCH=f'"{token}"')
    return saved()


def codebook_read_api(w, actor, number, as_actor):
    client = as_actor(actor, api=True)
    hits = {}
    for wanted in ("json", "yaml"):
        response = client.get(f"/api/reviews/demo/codebook/?format={wanted}")
        hits[wanted] = response.status_code == 200 and b"level" in response.content
    return _agree(hits, True, False)


def _released(actor: str) -> bool:
    """The request was accepted: queued for the background task that freezes the data."""
    return models.ReleaseJob.objects.filter(title=f"Release by {actor}").exists()


def release_page(w, actor, number, as_actor):
    as_actor(actor).post("/reviews/demo/releases/", {"title": f"Release by {actor}",
                                                     "authors": "The demo team"})
    return _released(actor)


def release_api(w, actor, number, as_actor):
    as_actor(actor, api=True).post("/api/reviews/demo/releases/",
                                   {"title": f"Release by {actor}", "authors": "The demo team"},
                                   format="json")
    return _released(actor)


PROBES = {
    ("b_coding", "page"): b_coding_page, ("b_coding", "api"): b_coding_api,
    ("b_coding", "admin"): b_coding_admin,
    ("audit", "page"): audit_page, ("audit", "admin"): audit_admin,
    ("progress:in_progress", "page"): progress_page("in_progress"),
    ("progress:one_submitted", "page"): progress_page("one_submitted"),
    ("listed_ready", "page"): listed_ready_page, ("listed_ready", "api"): listed_ready_api,
    ("decide", "page"): decide_page, ("decide", "api"): decide_api,
    ("public", "page"): public_page, ("public", "api"): public_api,
    ("imports", "page"): imports_page, ("import_b", "page"): import_b_page,
    ("reliability", "page"): reliability_page, ("reliability", "api"): reliability_api,
    ("shared", "page"): shared_page, ("shared", "api"): shared_api,
    ("members", "page"): members_page, ("members", "api"): members_api,
    ("members", "admin"): members_admin,
    ("documents", "page"): documents_page, ("documents", "api"): documents_api,
    ("thread", "page"): thread_page, ("thread", "api"): thread_api,
    ("thread", "admin"): thread_admin,
    ("drift", "page"): drift_page, ("drift", "api"): drift_api,
    ("notified", "page"): notified_page, ("notified", "api"): notified_api,
    ("round_b", "page"): round_b_page, ("round_b", "api"): round_b_api,
    ("round_b", "admin"): round_b_admin,
    ("reopen", "page"): reopen_page,
    ("code", "page"): code_page, ("code", "api"): code_api,
    ("publish", "page"): publish_page, ("publish", "admin"): publish_admin,
    ("codebook_edit", "page"): codebook_edit_page, ("codebook_edit", "api"): codebook_edit_api,
    ("codebook_read", "api"): codebook_read_api,
    ("bulk_documents", "page"): bulk_documents_page,
    ("bulk_documents", "api"): bulk_documents_api,
    ("package", "page"): package_page, ("package", "api"): package_api,
    ("records", "page"): records_page, ("records", "api"): records_api,
    ("release", "page"): release_page, ("release", "api"): release_api,
}


@pytest.mark.parametrize("question, surface, actor, expected", PARITY)
def test_same_answer_on_every_surface(world, as_actor, question, surface, actor, expected):
    q = QUESTIONS[question]
    stage(world, q.stage)
    number = q.case or CASE_OF.get(actor, "1")
    assert PROBES[(q.probe, surface)](world, actor, number, as_actor) == expected


def test_readers_case_page_says_coding_in_progress_until_its_consensus_is_complete(
    world, client
):
    stage(world, "published")
    assert "coding in progress" in client.get("/reviews/demo/cases/1/").text.lower()
    assert "coding in progress" not in client.get("/reviews/demo/cases/3/").text.lower()


def _normalised(response) -> str:
    text = f"{response.status_code}\n{response.content.decode()}"
    text = re.sub(r'(csrfmiddlewaretoken" value=")[^"]*', r"\1", text)
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", "<t>", text)


STATES = ["", "not_started", "in_progress", "one_submitted", "both_submitted",
          "disagreements_open", "consensus_complete", "needs_coders"]
LEAD_CODER_URLS = (
    [f"/reviews/demo/progress/?state={s}" for s in STATES]
    + [f"/reviews/demo/audit/?action={a}" for a in ("", "coding.save_draft", "coding.submit")]
    + [f"/admin/coding/{m}/" for m in ("coding", "codedvalue", "auditevent", "disagreement")]
    + ["/reviews/demo/my-cases/", "/reviews/demo/adjudication/"]
    + [f"/api/reviews/demo/{p}/" for p in ("codings", "assignments", "disagreements",
                                           "consensus", "cases", "dashboard")]
)
CODER_URLS = (
    [f"/reviews/demo/my-cases/?state={s}" for s in ("", "not_started", "draft", "submitted")]
    + ["/reviews/demo/cases/{n}/code/", "/reviews/demo/cases/{n}/", "/reviews/demo/"]
    + [f"/api/reviews/demo/{p}/" for p in ("codings", "codings/{n}", "consensus", "dashboard")]
)
INVARIANCE = [
    pytest.param(viewer, url, id=f"{viewer}-{url}")
    for viewer, urls in [
        ("lead_coder", LEAD_CODER_URLS), ("coder_a", CODER_URLS),
        ("adjudicator_coder", [*CODER_URLS, "/reviews/demo/adjudication/",
                               "/api/reviews/demo/disagreements/"]),
    ]
    for url in urls
]


@pytest.mark.parametrize("viewer, url", INVARIANCE)
def test_nothing_a_coder_sees_changes_when_the_other_coder_acts(world, as_actor, viewer, url):
    """Before the viewer submits, no page, API list or admin list they can fetch changes
    when Bob saves a draft of their shared case, nor when he submits it."""
    number = CASE_OF[viewer]
    url = url.format(n=number)
    client = as_actor(viewer, api=url.startswith("/api/"))
    first = client.get(url)
    assert first.status_code == 200, f"{viewer} cannot fetch {url}: nothing to compare"
    before = _normalised(first)
    for step in (bob_drafts, bob_submits):
        step(world, number)
        after = _normalised(client.get(url))
        if after != before:
            diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(),
                                             lineterm="", n=0))[2:14]
            pytest.fail(f"{url} changed after {step.__name__}:\n" + "\n".join(diff))


RELIABILITY_URLS = ["/reviews/demo/reliability/", "/reviews/demo/reliability.csv",
                    "/reviews/demo/reliability/status/", "/api/reviews/demo/reliability/"]


@pytest.mark.parametrize("url", RELIABILITY_URLS)
def test_reliability_a_lead_who_codes_sees_does_not_move_when_the_other_coder_acts(
    world, as_actor, url
):
    """The lead codes case 2 with Bob. Case 1 is complete, so there are figures; Bob's draft
    and submission of case 2 change neither the figures nor their status ("being computed"),
    even once the worker has run."""
    for step in (bob_drafts, bob_submits, partner_submits):
        step(world, "1")
    factories.reliability_computed(world["review"])
    client = as_actor("lead_coder", api=url.startswith("/api/"))
    first = client.get(url)
    assert first.status_code == 200, first.content[:300]
    assert b"up_to_date" in first.content if "status" in url else b"level" in first.content
    before = _normalised(first)
    for step in (bob_drafts, bob_submits):
        step(world, "2")
        factories.reliability_computed(world["review"])
        after = _normalised(client.get(url))
        assert after == before, f"{url} changed after {step.__name__}"


def test_every_question_has_a_row_for_each_surface():
    """A new question or surface needs its probe, or a NoSurface saying why not."""
    for name, question in QUESTIONS.items():
        assert set(SURFACES.get(name, {})) == {"page", "api", "admin"}, name
        assert set(question.rule) <= set(ACTORS), name
        for surface, served in SURFACES[name].items():
            if isinstance(served, NoSurface):
                assert served.why, f"{name}/{surface}: say why there is no such surface"
                continue
            assert (question.probe, surface) in PROBES, f"{name}/{surface}: no probe"
            unserved = set(question.rule) - served.actors
            assert served.why or not unserved, f"{name}/{surface}: say why {unserved} unserved"
    used = {(QUESTIONS[n].probe, s) for n, by_surface in SURFACES.items()
            for s, served in by_surface.items() if not isinstance(served, NoSurface)}
    assert set(PROBES) == used, f"probes without a question: {set(PROBES) - used}"


DISCUSSION_CODER_URLS = [*CODER_URLS, "/reviews/demo/discussion/",
                         "/api/reviews/demo/discussions/", "/api/reviews/demo/"]


@pytest.mark.parametrize("url", DISCUSSION_CODER_URLS)
def test_in_discussion_mode_nothing_a_coder_sees_changes_before_they_submit(
    world, as_actor, url
):
    """Discussion mode shows the case's coders each other's coding only once both have
    submitted: before Alice submits, Bob's draft and submission change nothing she sees."""
    review_set_resolution_mode(review=world["review"], actor=world["users"]["lead"],
                               mode=models.ResolutionMode.DISCUSSION)
    url = url.format(n="1")
    client = as_actor("coder_a", api=url.startswith("/api/"))
    first = client.get(url)
    assert first.status_code == 200, f"coder_a cannot fetch {url}: nothing to compare"
    before = _normalised(first)
    for step in (bob_drafts, bob_submits):
        step(world, "1")
        assert _normalised(client.get(url)) == before, f"{url} changed after {step.__name__}"


# Creating a review (issue 24): who may is coding.reviews.policies.may_create_review, under
# both settings of REVIEW_CREATORS; the page, the API and the admin all go through
# review_create, so the same people create a review, and its creator leads it. Stella is
# staff and leads another review (so the admin opens to her); Root is a superuser.
CREATORS = ["anonymous", "ordinary", "staff", "superuser"]
CREATE_RULE = {
    "signed-in": {"anonymous": False, "ordinary": True, "staff": True, "superuser": True},
    "staff": {"anonymous": False, "ordinary": False, "staff": True, "superuser": True},
}
CREATE_SURFACES = {
    "page": frozenset(CREATORS), "api": frozenset(CREATORS),
    # The admin serves superusers and staff who lead a review; others get its sign-in page.
    "admin": frozenset({"staff", "superuser"}),
}
CREATE_PARITY = [
    pytest.param(setting, surface, actor,
                 rule[actor] if actor in CREATE_SURFACES[surface] else False,
                 id=f"create_review-{setting}-{surface}-{actor}")
    for setting, rule in CREATE_RULE.items()
    for surface in CREATE_SURFACES
    for actor in CREATORS
]


def _creator(actor):
    if actor == "anonymous":
        return None
    if actor == "staff":
        stella = _member(factories.ReviewFactory(slug="stellas"), "stella", models.Role.LEAD,
                         staff=True)
        return stella
    return factories.UserFactory(username=actor, is_staff=actor == "superuser",
                                 is_superuser=actor == "superuser")


def _created(user) -> object:
    """Whether the review "fresh" exists, led by its creator and audited; else how not."""
    review = models.Review.objects.filter(slug="fresh").first()
    if review is None:
        return False
    leads = set(review.memberships.filter(role=models.Role.LEAD).values_list("user", flat=True))
    audited = models.AuditEvent.objects.filter(action="review.create", review=review,
                                               actor=user).exists()
    return True if (leads == {user.pk} and audited) else f"created: leads {leads}, " \
        f"audited {audited}"


def create_page(client, user):
    client.post("/new-review/", {"title": "Fresh", "slug": "fresh",
                                 "resolution_mode": "adjudicator"})


def create_api(client, user):
    client.post("/api/reviews/", {"title": "Fresh", "slug": "fresh"}, format="json")


def create_admin(client, user):
    client.post("/admin/coding/review/add/", {
        "title": "Fresh", "slug": "fresh", "description": "", "resolution_mode": "adjudicator",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000"})


CREATE_PROBES = {"page": create_page, "api": create_api, "admin": create_admin}


@pytest.mark.parametrize("setting, surface, actor, expected", CREATE_PARITY)
def test_creating_a_review_same_answer_on_every_surface(settings, db, setting, surface, actor,
                                                        expected):
    settings.REVIEW_CREATORS = setting
    user = _creator(actor)
    client = APIClient() if surface == "api" else Client()
    if user is not None and surface == "api":
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    elif user is not None:
        client.force_login(user)
    CREATE_PROBES[surface](client, user)
    assert _created(user) == expected


BULK_FILES = {  # file name -> content: stored, refused (three reasons), unmatched
    "7.txt": b"Minutes.",
    "7-appendix.pdf": b"MZ\x90\x00" + b"\x00" * 60,
    "7-blank.txt": b"",
    "7-script.pdf": None,  # a PDF with JavaScript (below)
    "70.txt": b"No such case.",
}


def _bulk_answer(status: str, reason: str) -> tuple[str, str]:
    return status, reason.rstrip(".").lower()


def test_bulk_documents_answer_alike_on_page_api_and_command(users, as_actor, tmp_path):
    """The same file gets the same answer (stored, refused and why, unmatched) from the lead's
    documents page, the API and import_documents (one file a run: the command is all or
    nothing), each into a review of its own with the same cases."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import CommandError, call_command

    from tests.documents.pdfs import pypdf_with_javascript

    files = {name: data if data is not None else pypdf_with_javascript()
             for name, data in BULK_FILES.items()}
    reviews = {}
    for surface in ("page", "api", "command"):
        reviews[surface] = factories.ReviewFactory(slug=f"bulk-{surface}", is_published=True)
        factories.CaseFactory(review=reviews[surface], number="7", title="Lanterns")
        factories.MembershipFactory(review=reviews[surface], user=users["lead"], role="lead")
    answers_by = {"page": {}, "api": {}, "command": {}}
    for name, data in files.items():
        body = as_actor("lead").post(
            "/reviews/bulk-page/documents/",
            {"action": "upload", "files": [SimpleUploadedFile(name, data)]},
            headers={"accept": "application/json"}).json()["results"][0]
        answers_by["page"][name] = _bulk_answer(body["status"], body["reason"])
        body = as_actor("lead", api=True).post(
            "/api/reviews/bulk-api/documents/", {"files": [SimpleUploadedFile(name, data)]},
            format="multipart").json()["results"][0]
        answers_by["api"][name] = _bulk_answer(body["status"], body["reason"])
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).write_bytes(data)
        try:
            call_command("import_documents", str(folder), "--review", "bulk-command",
                         stdout=io.StringIO())
        except CommandError as error:
            reason = str(error).split(": ", 2)[2]
            unmatched = "does not start with a case number" in reason
            answers_by["command"][name] = _bulk_answer(
                "unmatched" if unmatched else "refused", reason)
        else:
            answers_by["command"][name] = ("stored", "")
    assert answers_by["page"] == answers_by["api"] == answers_by["command"]
    assert [status for status, _ in answers_by["page"].values()] == [
        "stored", "refused", "refused", "refused", "unmatched"]
