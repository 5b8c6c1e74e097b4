#!/usr/bin/env python3
"""One coding round through the REST API alone, with tokens (standard library only).

Two coders code the same case (differently, on purpose), each saves a draft and submits;
the adjudicator resolves every disagreement with a rationale; the lead reads the
inter-coder reliability. Run it against a server (see README, "Scripting the API"):

    export CODER_A_TOKEN=... CODER_B_TOKEN=... ADJUDICATOR_TOKEN=... LEAD_TOKEN=...
    python scripts/api_example.py --base-url http://127.0.0.1:8000 --review coproduction

Without --case it takes the first case assigned to both coders that neither has started.
Exits with status 1 and the API's message when a call fails.
"""

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    pass


class Api:
    """A tiny client: one user's token against one server."""

    def __init__(self, base_url: str, token: str, name: str):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.name = name

    def call(self, method: str, path: str, body: dict | None = None, **params):
        url = f"{self.base_url}/api/{path.lstrip('/')}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method, headers={
            "Authorization": f"Token {self.token}",
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {}),
        })
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            try:
                detail = json.loads(error.read()).get("detail", "")
            except ValueError:
                detail = error.reason
            raise ApiError(f"{self.name}: {method} {url} -> {error.code}: {detail}") from None

    def get(self, path: str, **params):
        return self.call("GET", path, **params)

    def all_pages(self, path: str, **params) -> list:
        page, results = 1, []
        while True:
            body = self.get(path, page=page, **params)
            results += body["results"]
            if not body["next"]:
                return results
            page += 1


def choose_values(codebook: dict, variant: int) -> list[dict]:
    """A value for every attribute. Coder A (variant 0) and coder B (variant 1) agree on
    every other attribute and differ on the rest, so there is something to adjudicate."""
    values = []
    attributes = [a for section in codebook["sections"] for a in section["attributes"]]
    for index, attribute in enumerate(attributes):
        keys = [option["key"] for option in attribute["options"]]
        kind = attribute["kind"]
        differ = variant if index % 2 else 0
        if kind == "single":
            value = keys[differ % len(keys)]
        elif kind == "multi":
            value = keys[: 1 + differ]
        elif kind == "number":
            value = 10 + differ
        elif kind == "boolean":
            value = differ == 0
        else:
            value = f"Coded through the API by coder {'AB'[variant]}"
        values.append({"attribute": attribute["key"], "value": value,
                       "evidence": "", "note": "scripts/api_example.py"})
    return values


def code_case(coder: Api, review: str, case: str, values: list[dict]) -> dict:
    coding = coder.get(f"reviews/{review}/codings/{case}/")
    if coding["status"] == "submitted":
        print(f"  {coder.name}: case {case} was already submitted")
        return coding
    coding = coder.call("PUT", f"reviews/{review}/codings/{case}/",
                        {"version": coding["version"], "values": values})
    print(f"  {coder.name}: draft saved (version {coding['version']})")
    coding = coder.call("POST", f"reviews/{review}/codings/{case}/submit/",
                        {"version": coding["version"]})
    print(f"  {coder.name}: submitted (version {coding['version']})")
    return coding


def pick_case(coder_a: Api, coder_b: Api, review: str) -> str:
    path = f"reviews/{review}/codings/"
    todo_a = [row["case"] for row in coder_a.all_pages(path, state="not_started")]
    todo_b = {row["case"] for row in coder_b.all_pages(path, state="not_started")}
    shared = [case for case in todo_a if case in todo_b]
    if not shared:
        raise ApiError("No case is assigned to both coders and untouched by both; pass --case.")
    return shared[0]


def run(base_url: str, review: str, case: str | None, tokens: dict[str, str],
        wait: float = 60) -> None:
    coder_a = Api(base_url, tokens["coder_a"], "coder A")
    coder_b = Api(base_url, tokens["coder_b"], "coder B")
    adjudicator = Api(base_url, tokens["adjudicator"], "adjudicator")
    lead = Api(base_url, tokens["lead"], "lead")

    codebook = coder_a.get(f"reviews/{review}/codebook/")
    case = case or pick_case(coder_a, coder_b, review)
    print(f"Case {case} of {review!r}, codebook version {codebook['version']}")
    code_case(coder_a, review, case, choose_values(codebook, 0))
    code_case(coder_b, review, case, choose_values(codebook, 1))

    open_rows = adjudicator.all_pages(f"reviews/{review}/disagreements/", case=case,
                                      status="open")
    print(f"  adjudicator: {len(open_rows)} open disagreement(s)")
    for row in open_rows:
        choice = "a" if row["kind"] in ("single", "boolean") else "b"
        decided = adjudicator.call(
            "POST", f"reviews/{review}/disagreements/{row['id']}/resolve/",
            {"choice": choice, "version": row["consensus_version"],
             "rationale": f"Scripted decision: coder {choice.upper()}'s value fits the text."},
        )
        print(f"    {row['attribute']}: A={json.dumps(row['a']['value'])} "
              f"B={json.dumps(row['b']['value'])} -> {json.dumps(decided['consensus']['value'])}")

    consensus = coder_a.all_pages(f"reviews/{review}/consensus/", case=case)
    print(f"  consensus of case {case}: {len(consensus)} value(s)")
    for value in consensus:
        print(f"    {value['attribute']} = {json.dumps(value['value'])} ({value['method']})")

    # A background worker computes the figures after each submission; until the ones of the
    # current codings are ready, the API says "computing" (HTTP 202 before the first).
    deadline = time.monotonic() + wait
    report = lead.get(f"reviews/{review}/reliability/")
    while report["status"] == "computing" and time.monotonic() < deadline:
        time.sleep(1)
        report = lead.get(f"reviews/{review}/reliability/")
    if report["status"] != "up_to_date":
        print(f"Reliability: {report['status']} (is a worker running? manage.py db_worker)")
    if report["computed_at"] is None:
        return
    print(f"Reliability ({', '.join(report['coders'])}), computed {report['computed_at']} "
          f"in {report['duration_seconds']:.2f} s:")
    print(f"  {'attribute':<22} {'units':>5} {'agree':>6} {'kappa':>6} {'alpha':>6}")

    def fmt(x):
        return "     -" if x is None else f"{x:6.3f}"

    for row in report["rows"]:
        if row["option"] is None:
            print(f"  {row['attribute']:<22} {row['units']:>5} {fmt(row['percent_agreement'])} "
                  f"{fmt(row['cohen_kappa'])} {fmt(row['krippendorff_alpha'])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=os.environ.get("API_BASE_URL",
                                                             "http://127.0.0.1:8000"))
    parser.add_argument("--review", default="coproduction", help="the review's slug")
    parser.add_argument("--case", help="the case's number (default: the first untouched one)")
    parser.add_argument("--wait", type=float, default=60,
                        help="seconds to wait for the reliability figures (default: 60)")
    args = parser.parse_args(argv)
    names = {"coder_a": "CODER_A_TOKEN", "coder_b": "CODER_B_TOKEN",
             "adjudicator": "ADJUDICATOR_TOKEN", "lead": "LEAD_TOKEN"}
    missing = [env for env in names.values() if not os.environ.get(env)]
    if missing:
        parser.error(f"set {', '.join(missing)} (tokens from /account/tokens/ or "
                     "`manage.py drf_create_token USERNAME`)")
    try:
        run(args.base_url, args.review, args.case,
            {role: os.environ[env] for role, env in names.items()}, args.wait)
    except (ApiError, urllib.error.URLError) as error:
        print(f"Failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
