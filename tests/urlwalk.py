"""Every GET address of the site, made from the URL conf and the OpenAPI schema rather than
listed by hand, so that a page or endpoint added later is walked without anyone adding it to
a test (tests/public/test_reader_privacy.py, tests/test_private_responses.py).

`routes()` lists the URL conf's routes ("reviews/<slug:slug>/cases/<str:number>/"); `fill()`
makes addresses from one by giving each parameter every value a world offers for it;
`api_query_params()` reads the query parameters (and their enums) that the schema declares
for an API route; `body()` reads a response, streamed or not.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable

from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the URL conf, with its parameters as written. Regular-expression
    patterns are left out: in this project only the admin's app index and its catch-all
    use them (staff pages; the admin's other pages are routes and are walked)."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if not isinstance(pattern.pattern, RoutePattern):
            continue
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, route)
        else:
            found.append(route)
    return sorted(set(found))


def parameters(route: str) -> list[tuple[str, str]]:
    """(converter, name) of each parameter of `route`, in order; converter "str" if none."""
    return [(m["converter"] or "str", m["name"]) for m in PARAM.finditer(route)]


def fill(route: str, values: Callable[[str, str], list[str]]) -> list[str]:
    """Every path made from `route` by giving each parameter each of values(converter,
    name). Example: fill("reviews/<slug:slug>/", ...) -> ["/reviews/demo/"]."""
    params = PARAM.findall(route)
    if not params:
        return ["/" + route]
    choices = [values(converter or "str", name) for converter, name in params]
    paths = []
    for chosen in itertools.product(*choices):
        parts = iter(chosen)
        paths.append("/" + PARAM.sub(lambda _m, parts=parts: str(next(parts)), route))
    return paths


@functools.cache
def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def schema_path(route: str) -> str:
    """The OpenAPI path of a route: "api/reviews/<slug:slug>/" -> "/api/reviews/{slug}/"
    (a `pk` is called `id` there, drf-spectacular's SCHEMA_COERCE_PATH_PK)."""
    return "/" + PARAM.sub(lambda m: "{" + ("id" if m["name"] == "pk" else m["name"]) + "}",
                           route)


def api_get_paths() -> set[str]:
    """The OpenAPI paths that answer GET."""
    return {path for path, operations in _schema()["paths"].items() if "get" in operations}


def api_query_params(route: str) -> list[tuple[str, list | None]]:
    """The query parameters the schema declares for GET on `route`, with their enum (or
    None). Example: [("include", ["consensus"]), ("page", None)]."""
    operation = _schema()["paths"].get(schema_path(route), {}).get("get") or {}
    return [(p["name"], p.get("schema", {}).get("enum"))
            for p in operation.get("parameters", []) if p["in"] == "query"]


def body(response) -> bytes:
    """The whole body, streamed (exports, files) or not. The test client closes a streamed
    response once it is read to the end (without closing the test's database connection,
    which calling response.close() here would do on PostgreSQL)."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def headers_text(response) -> str:
    return "\n".join(f"{name}: {value}" for name, value in response.items())
