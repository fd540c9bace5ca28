"""SCIM protocol hygiene: content types, error bodies, filters, paging, discovery."""

import pytest
import requests

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


def assert_error(response, status, scim_type=None):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR] and body["status"] == str(status) and body["detail"]
    if scim_type:
        assert body["scimType"] == scim_type


@pytest.fixture
def people(scim):
    created = [
        scim.create_user(
            "ann@acme.example.com", "Ann", "Arbor", title="Engineer", externalId="00u1"
        ),
        scim.create_user("bob@acme.example.com", "Bob", "Brown", title="Designer"),
        scim.create_user("cy@other.example.com", "Cy", "Cole"),
    ]
    scim.patch(f"/Users/{created[2]['id']}", [{"op": "replace", "value": {"active": False}}])
    return created


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('userName eq "ANN@acme.example.com"', ["ann"]),
        ('userName ne "ann@acme.example.com"', ["bob", "cy"]),
        ('userName co "acme"', ["ann", "bob"]),
        ('userName sw "b"', ["bob"]),
        ('userName ew "other.example.com"', ["cy"]),
        ('externalId eq "00u1"', ["ann"]),
        ('externalId eq "00U1"', []),
        ('emails[type eq "work"].value eq "bob@acme.example.com"', ["bob"]),
        ('emails.value eq "BOB@acme.example.com"', ["bob"]),
        ('emails[type eq "home"].value eq "bob@acme.example.com"', []),
        ('name.givenName eq "ann"', ["ann"]),
        ("active eq false", ["cy"]),
        ("active eq true and title pr", ["ann", "bob"]),
        ('title eq "Engineer" or title eq "Designer"', ["ann", "bob"]),
        ('not (userName co "acme")', ["cy"]),
        ('meta.created gt "2000-01-01T00:00:00Z"', ["ann", "bob", "cy"]),
        ('meta.lastModified lt "2000-01-01T00:00:00Z"', []),
        ('userName eq "100%_x"', []),
    ],
)
def test_user_filters(scim, people, expression, expected):
    response = scim.get("/Users", params={"filter": expression})
    assert response.status_code == 200, response.text
    names = sorted(r["userName"].split("@")[0] for r in response.json()["Resources"])
    assert names == expected
    assert response.json()["totalResults"] == len(expected)


def test_user_name_lookup_fast_path_answers_like_the_general_filter(scim, people):
    """Okta's ``userName eq`` is answered by a compiled lookup; it must agree with the
    general filter code on case, escapes, paging and hidden members."""
    quoted = scim.create_user('qu"ote@acme.example.com')
    cases = {
        'userName eq "ANN@acme.example.com"': ["ann@acme.example.com"],
        'USERNAME EQ "bob@acme.example.com"': ["bob@acme.example.com"],
        'userName eq "qu\\"ote@acme.example.com"': [quoted["userName"]],
        'userName eq "nobody@acme.example.com"': [],
    }
    for expression, expected in cases.items():
        body = scim.get("/Users", params={"filter": expression}).json()
        assert [r["userName"] for r in body["Resources"]] == expected, expression
        assert body["totalResults"] == len(expected)
    # Past the first page, or with count=0, the general path answers: same total.
    for params in ({"startIndex": 2}, {"count": 0}):
        body = scim.get(
            "/Users", params={"filter": 'userName eq "ann@acme.example.com"', **params}
        ).json()
        assert (body["totalResults"], body["Resources"]) == (1, [])
    assert scim.delete(f"/Users/{people[0]['id']}").status_code == 204
    hidden = scim.get("/Users", params={"filter": 'userName eq "ann@acme.example.com"'})
    assert hidden.json()["totalResults"] == 0


def test_id_filter(scim, people):
    response = scim.get("/Users", params={"filter": f'id eq "{people[1]["id"]}"'})
    assert [r["userName"] for r in response.json()["Resources"]] == ["bob@acme.example.com"]


@pytest.mark.parametrize(
    "expression",
    [
        "userName eq",
        'userName zz "x"',
        'nosuch eq "x"',
        "active gt true",
        '(userName eq "x"',
        'meta.created gt "yesterday"',
    ],
)
def test_bad_filters_are_400_invalid_filter(scim, expression):
    assert_error(scim.get("/Users", params={"filter": expression}), 400, "invalidFilter")


def test_paging_is_one_based_stable_and_capped(scim, people):
    first = scim.get("/Users?startIndex=1&count=2").json()
    second = scim.get("/Users?startIndex=3&count=2").json()
    assert [first["totalResults"], first["itemsPerPage"], second["itemsPerPage"]] == [3, 2, 1]
    ids = [r["id"] for r in first["Resources"] + second["Resources"]]
    assert len(set(ids)) == 3
    assert scim.get("/Users?startIndex=0&count=1").json()["startIndex"] == 1
    only_total = scim.get("/Users?count=0").json()
    assert (only_total["totalResults"], only_total["Resources"]) == (3, [])
    assert scim.get("/Users?count=-5").json()["itemsPerPage"] == 0
    assert scim.get("/Users?count=5000").status_code == 200
    assert_error(scim.get("/Users?count=many"), 400, "invalidValue")


def test_paging_through_everyone_gives_each_user_once_in_order(scim):
    """Pages past the middle are read from the other end: the same users, the same order."""
    made = [  # inactive: the test organization has 10 seats
        scim.create_user(f"p{n:02d}@acme.example.com", "P", f"N{n}", active=False)["id"]
        for n in range(23)
    ]
    for count in (1, 4, 7, 23, 30):
        seen = []
        for start in range(1, 24, count):
            page = scim.get(f"/Users?startIndex={start}&count={count}").json()
            assert page["startIndex"] == start and page["totalResults"] == 23
            assert page["itemsPerPage"] == len(page["Resources"]) == min(count, 24 - start)
            seen += [r["id"] for r in page["Resources"]]
        assert seen == made, count
    filtered = scim.get('/Users?filter=userName sw "p1"&startIndex=8&count=5').json()
    assert [r["userName"] for r in filtered["Resources"]] == ["p17@acme.example.com",
        "p18@acme.example.com", "p19@acme.example.com"]  # fmt: skip
    assert scim.get("/Users?startIndex=24&count=5").json()["Resources"] == []


def test_attributes_projection(scim, people):
    lean = scim.get("/Users", params={"attributes": "userName,name.givenName"}).json()
    resource = lean["Resources"][0]
    assert set(resource) == {"schemas", "id", "meta", "userName", "name"}
    assert set(resource["name"]) == {"givenName"}
    without = scim.get(f"/Users/{people[0]['id']}", params={"excludedAttributes": "groups,emails"})
    assert "groups" not in without.json() and "emails" not in without.json()


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/scim+json",
        "application/scim+json; charset=utf-8",
        "application/json;charset=UTF-8",
    ],
)
def test_json_content_types_are_accepted(scim, content_type):
    response = scim.post(
        "/Users",
        {"userName": "ct@acme.example.com", "name": {"givenName": "C", "familyName": "T"}},
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/scim+json"


def test_other_content_types_are_415(scim):
    response = scim.session.post(
        scim.base + "/Users",
        data="userName=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert_error(response, 415)


@pytest.mark.parametrize(
    "raw", [b"{", b"[]", b"null", b'"text"', b"\xff\xfe", b"[" * 5000 + b"]" * 5000]
)
def test_malformed_json_is_400_invalid_syntax(scim, raw):
    response = scim.session.post(
        scim.base + "/Users", data=raw, headers={"Content-Type": "application/scim+json"}
    )
    assert_error(response, 400, "invalidSyntax")


def test_body_over_the_limit_is_413(scim):
    response = scim.session.post(
        scim.base + "/Users",
        data=b"{" + b" " * (3 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/scim+json"},
    )
    assert_error(response, 413)


def test_routing_errors_are_scim_json(scim):
    assert_error(scim.get("/Nothing"), 404)
    assert_error(scim.get(""), 404)
    response = scim.request("POST", "/ServiceProviderConfig", {})
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]
    assert_error(scim.request("POST", "/.search", {}), 501)


def test_trailing_and_double_slashes_route(scim, people):
    for path in ("/Users/", "//Users", "/Users//", f"//Users//{people[0]['id']}/"):
        assert scim.get(path).status_code == 200, path
    assert (
        requests.get(
            scim.base + "/", headers={"Authorization": f"Bearer {scim.token}"}, timeout=10
        ).status_code
        == 404
    )


def test_discovery_describes_what_we_support(scim):
    config = scim.get("/ServiceProviderConfig").json()
    assert config["patch"]["supported"] is True and config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 1000}
    types = scim.get("/ResourceTypes").json()
    assert [t["id"] for t in types["Resources"]] == ["User", "Group"]
    assert scim.get("/ResourceTypes/user").json()["endpoint"] == "/Users"
    schemas = {s["id"] for s in scim.get("/Schemas").json()["Resources"]}
    assert "urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User" in schemas
    schema = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    required = {a["name"] for a in schema["attributes"] if a["required"]}
    assert required == {"userName", "name", "emails"}
    assert_error(scim.get("/Schemas/urn:nope"), 404)


def test_unexpected_errors_are_scim_500_without_traceback(scim, app, monkeypatch):
    from wizard.scim import users

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(users, "groups_of", explode)
    response = scim.get("/Users")
    assert_error(response, 500)
    assert "secret internals" not in response.text


ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture
def engineer(scim):
    return scim.create_user(
        "dee@acme.example.com",
        "Dee",
        "Dunn",
        title="Engineer",
        **{ENTERPRISE: {"department": "R&D", "employeeNumber": "42"}},
    )


@pytest.mark.parametrize(
    ("attributes", "kept"),
    [
        # RFC 7644 §3.10: an extension's attribute is named by its fully qualified URN.
        (f"{ENTERPRISE}:department", {ENTERPRISE: {"department": "R&D"}}),
        (f"{ENTERPRISE.upper()}:DEPARTMENT", {ENTERPRISE: {"department": "R&D"}}),
        (ENTERPRISE, {ENTERPRISE: {"department": "R&D", "employeeNumber": "42"}}),
        (f"{CORE_USER}:userName", {"userName": "dee@acme.example.com"}),
        (f"{CORE_USER}:name.givenName", {"name": {"givenName": "Dee"}}),
        ("emails.value", {"emails": [{"value": "dee@acme.example.com"}]}),
    ],
)
def test_attributes_take_fully_qualified_names(scim, engineer, attributes, kept):
    """``attributes`` names a schema URN's attribute as RFC 7644 §3.10 writes it, the
    extension's included: only what was asked comes back, with id, schemas and meta."""
    response = scim.get(f"/Users/{engineer['id']}", params={"attributes": attributes})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"id", "schemas", "meta", *kept}
    assert {key: body[key] for key in kept} == kept


@pytest.mark.parametrize(
    ("excluded", "gone", "left"),
    [
        (f"{ENTERPRISE}:department", None, {ENTERPRISE: {"employeeNumber": "42"}}),
        (ENTERPRISE, ENTERPRISE, {"title": "Engineer"}),
        (
            f"{CORE_USER}:title",
            "title",
            {ENTERPRISE: {"department": "R&D", "employeeNumber": "42"}},
        ),
        (f"{CORE_USER}:groups", "groups", {"title": "Engineer"}),
        ("name.familyName", None, {"name": {"givenName": "Dee"}}),
    ],
)
def test_excluded_attributes_take_fully_qualified_names(scim, engineer, excluded, gone, left):
    """``excludedAttributes`` with URN paths leaves out exactly what they name."""
    response = scim.get("/Users", params={"excludedAttributes": excluded})
    assert response.status_code == 200, response.text
    body = response.json()["Resources"][0]
    assert gone is None or gone not in body
    assert {key: body[key] for key in left} == left
    assert {"id", "schemas", "meta", "userName"} <= set(body)


def test_groups_present_matches_members_of_a_group(scim, people):
    """``groups pr`` finds users with at least one group, not everyone;
    ``groups.value eq`` finds a group's members."""
    group = scim.post(
        "/Groups", {"displayName": "Team", "members": [{"value": people[1]["id"]}]}
    ).json()
    scim.post("/Groups", {"displayName": "Empty"})
    cases = {
        "groups pr": ["bob"],
        "not (groups pr)": ["ann", "cy"],
        f'groups.value eq "{group["id"]}"': ["bob"],
        f'groups eq "{group["id"]}"': ["bob"],
        'groups.value eq "no-such-group"': [],
    }
    for expression, expected in cases.items():
        response = scim.get("/Users", params={"filter": expression})
        assert response.status_code == 200, (expression, response.text)
        names = sorted(r["userName"].split("@")[0] for r in response.json()["Resources"])
        assert names == expected, expression


def test_members_present_matches_groups_with_visible_members(scim, people):
    """``members pr`` finds groups with at least one member Okta can see."""
    scim.post("/Groups", {"displayName": "Team", "members": [{"value": people[0]["id"]}]})
    scim.post("/Groups", {"displayName": "Empty"})
    response = scim.get("/Groups", params={"filter": "members pr"})
    assert [g["displayName"] for g in response.json()["Resources"]] == ["Team"]
    response = scim.get("/Groups", params={"filter": "not (members pr)"})
    assert [g["displayName"] for g in response.json()["Resources"]] == ["Empty"]


def test_each_request_is_projected_by_its_own_arguments_in_one_app_context(app, org):
    """Requests made inside one app context share ``g`` (the wizard's self-test replays
    SCIM that way): one request's ``attributes`` must not shape the next answer."""
    from wizard.db import database
    from wizard.domain.connections import ensure_connection, issue_scim_token

    with app.app_context(), database.connection_context():
        connection = ensure_connection(org)
        _, token = issue_scim_token(connection)
        client = app.test_client()
        base = f"/scim/v2/{connection.scim_key}"
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}
        body = {"userName": "pat@acme.example.com", "name": {"givenName": "P", "familyName": "Q"}}
        created = client.post(f"{base}/Users", json=body, headers=headers).get_json()
        lean = client.get(f"{base}/Users/{created['id']}?attributes=userName", headers=headers)
        full = client.get(f"{base}/Users/{created['id']}", headers=headers)
    assert set(lean.get_json()) == {"id", "schemas", "meta", "userName"}
    assert {"name", "emails", "active"} <= set(full.get_json())
