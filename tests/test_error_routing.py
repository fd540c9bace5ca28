"""Which format an error answers in is decided by the blueprint that owns the URL: SCIM
answers RFC 7644 error bodies (its blueprint-level handler), even for routing errors
raised before any view is chosen; the pages answer HTML; the status endpoints JSON."""

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

from tests.test_scim_protocol import assert_error


def test_a_blueprint_answers_its_own_routing_errors(app):
    """Nothing but the blueprint says how its errors look: a new area with its own
    handler gets its own answers for unknown paths and wrong methods under its prefix,
    with no registry to fill in."""
    probe = Blueprint("probe", __name__, url_prefix="/probe/<key>")

    @probe.get("/thing")
    def thing(key):
        return "ok"

    @probe.errorhandler(HTTPException)
    def answer(error):
        return jsonify(probe=error.code), error.code

    app.register_blueprint(probe)
    client = app.test_client()
    assert client.get("/probe/k/thing").text == "ok"
    for response, code in (
        (client.get("/probe/k/nothing"), 404),
        (client.get("/probe"), 404),
        (client.delete("/probe/k/thing"), 405),
    ):
        assert (response.status_code, response.json) == (code, {"probe": code})
    outside = client.get("/probes/k/nothing")
    assert outside.status_code == 404 and outside.mimetype == "text/html"


def test_scim_routing_errors_answer_scim_json(scim):
    """Unknown SCIM paths, the base URL without its key and wrong methods (with the
    methods that would work) answer SCIM error bodies, never an HTML page."""
    root = scim.base.split("/scim/")[0]
    for path in ("/Nothing", "/Users/x/y/z", ""):
        assert_error(scim.get(path), 404)
    assert_error(scim.session.get(f"{root}/scim/v2", timeout=10), 404)
    for method, path in (("DELETE", "/Users"), ("PUT", "/ServiceProviderConfig")):
        response = scim.request(method, path, {})
        assert_error(response, 405)
        assert "GET" in response.headers["Allow"]


def test_a_scim_1_base_url_answers_a_scim_error_naming_the_version_we_speak(scim):
    """An admin who picked SCIM 1.1 in Okta (``/scim/v1/...``) gets a SCIM error body with
    what to change, for any method, never an HTML page."""
    root = scim.base.split("/scim/")[0]
    for method, path in (
        ("GET", "/scim/v1/Users"),
        ("POST", "/scim/v1/Users"),
        ("PATCH", "/scim/v1.1/x/Users/1"),
        ("GET", "/scim/v1"),
    ):
        response = scim.session.request(method, root + path, json={}, timeout=10)
        assert_error(response, 404)
        detail = response.json()["detail"]
        assert "SCIM 2.0 only" in detail and "/scim/v2/<key>" in detail


def test_scim_body_over_the_limit_is_scim_413_on_every_write(scim):
    """A body over MAX_CONTENT_LENGTH is a SCIM 413 on a write that reads it."""
    user = scim.create_user("ann@acme.example.com", "Ann", "Arbor")
    big = b"{" + b" " * (3 * 1024 * 1024) + b"}"
    for method, path in (("POST", "/Groups"), ("PATCH", f"/Users/{user['id']}")):
        response = scim.session.request(
            method,
            scim.base + path,
            data=big,
            headers={"Content-Type": "application/scim+json"},
            timeout=30,
        )
        assert_error(response, 413)


def test_pages_answer_html_errors(client, auth, admin):
    """Unknown pages and wrong methods on a page are HTML for people, in every area."""
    auth.login()
    for path in ("/nothing", "/team/nothing", "/integrations/okta/nothing", "/scim"):
        response = client.get(path)
        assert (response.status_code, response.mimetype) == (404, "text/html"), path
        assert "We could not find that page." in response.text
    response = client.delete("/team/users")
    assert (response.status_code, response.mimetype) == (405, "text/html")
    assert "That action is not allowed here." in response.text


def test_status_endpoints_answer_json_errors(client, auth, admin, org):
    """The small status endpoints the pages poll answer JSON, errors included."""
    auth.login()
    response = client.get("/connect/okta/live.json")  # no connection yet
    assert (response.status_code, response.json["status"]) == (404, 404)
    response = client.put("/integrations/okta/sync/status.json")
    assert (response.status_code, response.mimetype) == (405, "application/json")
    response = client.get("/nothing", headers={"Accept": "application/json"})
    assert (response.status_code, response.json["status"]) == (404, 404)
