"""Hostile input over every SCIM route, over real HTTP: the committed corpus
(tests/fixtures/hostile_scim.json), generated extremes (huge strings and arrays, deep
nesting) and hypothesis-generated bodies, filters and PATCH operations.

Every answer is below 500; every refusal is an RFC 7644 error body with its status and a
valid scimType; and a refused request leaves the directory exactly as it was."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wizard.models import Group, Member, Membership, RoleAssignment

CORPUS = json.loads((Path(__file__).parent / "fixtures" / "hostile_scim.json").read_text())
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_TYPES = {
    "invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath",
    "noTarget", "invalidValue", "invalidVers", "sensitive",
}  # fmt: skip
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no example database written into the checkout
)


def directory_state():
    """Every row of what SCIM writes (the request log and failure inbox are meant to grow)."""
    return [
        sorted(model.select().tuples()) for model in (Member, Group, Membership, RoleAssignment)
    ]


@pytest.fixture
def target(scim, db):
    """A user and a group to aim at, and the checks every answer must pass."""
    user = scim.create_user("target@acme.example.com")
    group = scim.post(
        "/Groups",
        {"displayName": "Target", "members": [{"value": user["id"]}]},
    ).json()

    def send(method, path, *, body=None, raw=None, content_type="application/scim+json",
             headers=None):  # fmt: skip
        path = path.format(user=user["id"], group=group["id"])
        before = directory_state()
        data = raw if raw is not None else (None if body is None else json.dumps(body))
        response = scim.session.request(
            method,
            scim.base + path,
            data=data,
            headers={"Content-Type": content_type, **(headers or {})},
            timeout=30,
        )
        where = f"{method} {path[:120]} -> {response.status_code}: {response.text[:300]}"
        assert response.status_code < 500 or response.status_code == 501, where
        if response.status_code >= 400:
            assert response.headers["Content-Type"].startswith("application/scim+json"), where
            error = response.json()
            assert error["schemas"] == [ERROR_SCHEMA], where
            assert error["status"] == str(response.status_code), where
            assert error.get("detail"), where
            assert error.get("scimType", "invalidValue") in SCIM_TYPES, where
            assert directory_state() == before, f"a refused request changed data: {where}"
        return response

    return send


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_hostile_corpus(target, case):
    raw = bytes.fromhex(case["raw_hex"]) if "raw_hex" in case else case.get("raw")
    if raw is not None and not isinstance(raw, bytes):
        raw = raw.encode("utf-8", "surrogatepass")
    target(
        case["method"],
        case["path"],
        body=case.get("json"),
        raw=raw,
        content_type=case.get("content_type", "application/scim+json"),
        headers=case.get("headers"),
    )


def test_every_scim_route_is_in_the_corpus(app):
    """A new SCIM route must come with hostile cases of its own."""
    covered = {(case["method"], case["path"].split("?")[0]) for case in CORPUS}
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("scim."):
            continue
        path = rule.rule.split("<scim_key>", 1)[1]
        path = path.replace("<user_id>", "{user}").replace("<group_id>", "{group}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            shapes = {p for m, p in covered if m == method}
            prefix = path.split("<", 1)[0]
            assert path in shapes or any(p.startswith(prefix) for p in shapes if "<" in path), (
                f"no hostile case for {method} {path}"
            )


@pytest.mark.parametrize(
    ("label", "method", "path", "body"),
    [
        ("2 MB userName", "POST", "/Users", {"userName": "a" * (2 * 1024 * 1024)}),
        ("300 kB userName", "POST", "/Users", {"userName": "a" * 300_000 + "@x.example.com"}),
        ("100k emails", "POST", "/Users", {"userName": "e@x.example.com",
                                           "emails": [{"value": "e@x.example.com"}] * 100_000}),
        ("long title", "PUT", "/Users/{user}", {"userName": "target@acme.example.com",
                                                "title": "t" * 100_000}),
        ("20k PATCH operations", "PATCH", "/Users/{user}", {"schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "title", "value": "x"}] * 20_000}),
        ("5k unknown members at once", "PATCH", "/Groups/{group}", {"schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "members",
                            "value": [{"value": f"nope-{i}"} for i in range(5_000)]}]}),
    ],
)  # fmt: skip
def test_huge_values(target, label, method, path, body):
    target(method, path, body=body)


@pytest.mark.parametrize("depth", [100, 10_000, 200_000])
def test_deep_nesting(target, depth):
    nested = '{"userName": "deep@acme.example.com", "name": ' + "[" * depth + "]" * depth + "}"
    target("POST", "/Users", raw=nested.encode())
    patch = '{"Operations": [{"op": "add", "value": ' + '{"a":' * depth + "1" + "}" * depth + "}]}"
    target("PATCH", "/Users/{user}", raw=patch.encode())


# --- generated input ---------------------------------------------------------------------

odd_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=()), max_size=40
) | st.sampled_from(["", " ", "\u0000", "\u202e", "\ufeff", "💥", "a" * 300, "x@y", "@"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | odd_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4),
    max_leaves=10,
)
user_bodies = st.fixed_dictionaries(
    {},
    optional={
        "schemas": st.just([USER_SCHEMA]) | json_values,
        "userName": odd_text | json_values,
        "name": st.fixed_dictionaries({}, optional={"givenName": json_values,
                                                    "familyName": json_values}) | json_values,
        "emails": st.lists(st.fixed_dictionaries({"value": odd_text | json_values}), max_size=3)
        | json_values,
        "active": json_values,
        "title": json_values,
        "phoneNumbers": json_values,
        "roles": json_values,
        ENTERPRISE: st.fixed_dictionaries({}, optional={"department": json_values,
                                                        "manager": json_values}) | json_values,
    },
)  # fmt: skip
paths = st.sampled_from(
    ["title", "active", "userName", "name.givenName", "emails", 'emails[type eq "work"].value',
     "members", 'members[value eq "x"]', "displayName", "externalId", f"{ENTERPRISE}:department",
     "roles", "phoneNumbers[primary eq true].value"]
) | odd_text  # fmt: skip
operations = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "replace", "remove", "Add", "REPLACE"]) | odd_text},
    optional={"path": paths | json_values, "value": json_values},
)
patch_bodies = st.fixed_dictionaries(
    {"schemas": st.just([PATCH_SCHEMA])},
    optional={"Operations": st.lists(operations, max_size=4) | json_values},
)
filters = st.builds(
    "{} {} {}".format,
    st.sampled_from(["userName", "externalId", "displayName", "emails.value", "meta.lastModified",
                     "active", "members.value", "id"]) | odd_text,
    st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "lt", "pr", "and", "or"]) | odd_text,
    st.sampled_from(['"x"', "true", "5", "null", '"2026-01-01T00:00:00Z"']) | odd_text,
) | odd_text  # fmt: skip


@FUZZ
@given(body=user_bodies, method=st.sampled_from(["POST", "PUT"]))
def test_generated_user_bodies(target, body, method):
    target(method, "/Users" if method == "POST" else "/Users/{user}", body=body)


@FUZZ
@given(body=patch_bodies, path=st.sampled_from(["/Users/{user}", "/Groups/{group}"]))
def test_generated_patches(target, body, path):
    target("PATCH", path, body=body)


@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(["displayName", "members", "externalId", "schemas"]) | odd_text,
        json_values,
        max_size=4,
    ),
    method=st.sampled_from(["POST", "PUT"]),
)
def test_generated_group_bodies(target, body, method):
    target(method, "/Groups" if method == "POST" else "/Groups/{group}", body=body)


@FUZZ
@given(
    text=filters,
    resource=st.sampled_from(["/Users", "/Groups"]),
    start=st.integers(-5, 10**12) | odd_text,
    count=st.integers(-5, 10**12) | odd_text,
)
def test_generated_filters_and_paging(target, text, resource, start, count):
    from urllib.parse import urlencode

    query = urlencode({"filter": text, "startIndex": start, "count": count})
    target("GET", f"{resource}?{query}")
