"""Races on one case between two app servers on PostgreSQL queue instead of deadlocking
(coding/locks.py: every service locks the case row first): an adjudicator decides, a lead
reopens a coding (page), its coder resubmits it, the coders propose and accept in discussion
and the decision is reopened, all at once, through both servers. None of it answers 5xx.

The servers are tests/test_multiserver.py's (PostgreSQL and Redis, else skipped).
"""

import json
import random
import threading
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework.authtoken.models import Token

from coding.adjudication.services import disagreement_escalate, disagreements_detect
from coding.models import Coding, Disagreement, ResolutionMode
from tests import factories
from tests.test_multiserver import (  # noqa: F401  (fixtures)
    TIMEOUT,
    Browser,
    _strong_password,
    servers,
    services,
    two_servers,
)

CASES = 3
ROUNDS = 6


def _api(base: str, method: str, path: str, token: str, data=None) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/api/reviews/demo/{path}", method=method,
        data=json.dumps(data).encode() if data is not None else None,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        body = error.read()
        try:
            return error.code, json.loads(body)
        except ValueError:
            return error.code, {"detail": body[:300].decode(errors="replace")}


@pytest.mark.slow
def test_decide_reopen_resubmit_and_accept_on_one_case_from_two_servers_never_answer_5xx(
    two_servers, review, coder_a, coder_b, adjudicator, lead, settings  # noqa: F811
):
    server_a, server_b, _ = two_servers
    review.resolution_mode = ResolutionMode.DISCUSSION
    review.save(update_fields=["resolution_mode"])
    _strong_password(settings, lead)
    cases = []
    for number in range(1, CASES + 1):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a,
                                     values={"level": "local", "roles": ["deliverer"],
                                             "agreement": True})
        factories.coding_with_values(case=case, coder=coder_b,
                                     values={"level": "state", "roles": ["deliverer"],
                                             "agreement": False})
        disagreements_detect(case=case, notify=False)
        # "level" goes to the adjudicator; "agreement" stays with the coders.
        disagreement_escalate(
            disagreement=Disagreement.objects.get(case=case, attribute__key="level"),
            user=coder_a)
        cases.append({
            "number": str(number),
            "level": Disagreement.objects.get(case=case, attribute__key="level").pk,
            "agreement": Disagreement.objects.get(case=case, attribute__key="agreement").pk,
            "coding": Coding.objects.get(case=case, coder=coder_a).pk,
        })
    tokens = {user.username: Token.objects.create(user=user).key
              for user in (coder_a, coder_b, adjudicator)}
    lead_browser = Browser()
    assert lead_browser.sign_in(server_a, "lena", factories.PASSWORD)[0] == 302
    csrf = next(c.value for c in lead_browser.jar if c.name == "csrftoken")
    pick = random.Random(25)
    outcomes: Counter = Counter()
    fives: list[str] = []
    lock = threading.Lock()

    def record(action: str, status: int, body) -> None:
        if status == 409 and "at the same moment" in str(body):  # coding.locks: not a version
            action += " (lock conflict)"  # conflict, the database aborted the transaction
        with lock:
            outcomes[action, status] += 1
            if status >= 500:
                fives.append(f"{action}: {status} {str(body)[:300]}")

    def decide(base, case):
        status, body = _api(base, "GET", f"disagreements/{case['level']}/", tokens["ada"])
        version = body.get("consensus_version", 0) if status == 200 else 0
        record("decide", *_api(base, "POST", f"disagreements/{case['level']}/resolve/",
                               tokens["ada"], {"choice": pick.choice("ab"), "version": version,
                                               "rationale": "The report says so."}))

    def reopen_coding(base, case):
        status, body = lead_browser.request(
            f"{base}/reviews/demo/codings/{case['coding']}/reopen/",
            {"csrfmiddlewaretoken": csrf, "reason": "Check the level again."},
            headers={"Referer": f"{base}/"})
        record("reopen coding", status, body)

    def resubmit(base, case):
        status, body = _api(base, "GET", f"codings/{case['number']}/", tokens["alice"])
        version = body.get("version", 0) if status == 200 else 0
        record("resubmit", *_api(base, "POST", f"codings/{case['number']}/submit/",
                                 tokens["alice"], {"version": version}))

    def discuss(base, case):
        path = f"disagreements/{case['agreement']}/"
        status, body = _api(base, "GET", path, tokens["ada"])
        if status == 200 and body.get("status") == "resolved":
            record("reopen decision", *_api(base, "POST", path + "reopen/", tokens["ada"], {
                "reason": "Discuss it again.", "version": body.get("consensus_version", 0)}))
        status, body = _api(base, "POST", path + "propose/", tokens["alice"], {"value": "yes"})
        record("propose", status, body)
        proposal = (body.get("thread") or {}).get("accepted", {}).get("alice")
        if proposal:
            record("accept", *_api(base, "POST", path + "accept/", tokens["bob"],
                                   {"proposal": proposal}))

    actions = [decide, reopen_coding, resubmit, discuss]
    work = [(action, case) for _ in range(ROUNDS) for case in cases for action in actions]
    pick.shuffle(work)
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(action, (server_a, server_b)[n % 2], case)
                   for n, (action, case) in enumerate(work)]
        for future in futures:
            future.result()
    print(sorted(outcomes.items()))  # the measured outcomes, shown with -s
    assert fives == []
    # The race happened: each kind of change got through at least once.
    succeeded = {action for (action, status), _ in outcomes.items() if status < 400}
    assert {"decide", "reopen coding", "resubmit", "propose"} <= succeeded, outcomes
