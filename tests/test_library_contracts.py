"""Contracts with the private parts of peewee and authlib that our code leans on.

``wizard/prepared.py`` runs peewee's compiled SQL itself and has peewee turn the rows
into models; ``wizard/sso/clients.py`` rebuilds authlib clients through the registry's
cache; ``wizard/outbound/oauth.py`` subclasses authlib's Flask client and relies on the
hooks it builds sessions and loads metadata with. None of that is public API, so both
libraries are pinned below their next major version (pyproject.toml) and each test here
names the internal it checks: an upgrade that moves one fails here, by name, rather than
as a sign-in or a SCIM answer gone wrong somewhere else.
"""

import tomllib
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import peewee as pw
import pytest
from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.requests_client import OAuth2Session
from packaging.requirements import Requirement

from tests.query_counter import statements
from wizard import outbound
from wizard.db import database
from wizard.models import Group, Member, Membership, Organization
from wizard.outbound.oauth import DoorOAuth2App
from wizard.prepared import Prepared
from wizard.sso import clients

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
ISSUER = "https://op.example.com"


def requirement(name: str) -> Requirement:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    return next(r for r in map(Requirement, dependencies) if r.name.lower() == name)


@pytest.mark.parametrize(("name", "below"), [("peewee", "5"), ("authlib", "2")])
def test_libraries_whose_internals_we_use_are_pinned_below_their_next_major(name, below):
    """The pin keeps the next major version out, and the installed one is inside it."""
    pinned = requirement(name)
    assert f"<{below}" in str(pinned.specifier), f"{name} must be pinned <{below}"
    assert pinned.specifier.contains(version(name)), f"installed {name} {version(name)}"


# --- peewee (wizard/prepared.py, tests/query_counter.py) ------------------------------


def test_peewee_database_param_is_the_placeholder(any_db_app):
    """``Database.param``: prepared.py keys its compiled SQL by it (one per database kind)
    and migrations write raw SQL with it."""
    param = getattr(database.obj, "param", None)
    assert param in ("?", "%s"), f"peewee Database.param changed: {param!r}"


def test_peewee_query_sql_keeps_bound_values_as_given(any_db_app):
    """``query.sql()`` returns ``(sql, params)`` with int and str values unconverted:
    prepared.py finds its placeholder markers among the params."""
    with database.connection_context():
        sql, params = Member.select().where((Member.id == -7) & (Member.email == "\x00m")).sql()
    assert isinstance(sql, str) and [p for p in params if p in (-7, "\x00m")] == [-7, "\x00m"], (
        f"peewee Query.sql() changed shape: {params!r}"
    )


def groups_of_member() -> Prepared:
    """A compiled read with a join, as wizard/scim/mapping.py has."""
    return Prepared(
        lambda member_id: (
            Membership.select(Membership, Group).join(Group).where(Membership.member == member_id)
        ),
        int,
    )


def test_peewee_cursor_wrapper_turns_rows_into_models_with_joins(any_db_app):
    """``ModelSelect._get_cursor_wrapper(cursor)``: prepared.py runs the SQL itself and
    has peewee build the models, joined models attached as the query would."""
    assert callable(getattr(pw.ModelSelect, "_get_cursor_wrapper", None)), (
        "peewee ModelSelect._get_cursor_wrapper moved: wizard/prepared.py uses it"
    )
    with database.connection_context():
        org = Organization.create(name="Acme", slug="acme")
        member = Member.create(organization=org, email="a@acme.example.com", email_key="a")
        group = Group.create(organization=org, display_name="G", name_key="g")
        Membership.create(group=group, member=member)
        groups_of = groups_of_member()
        rows = groups_of.rows(member.id)
        assert [type(row) for row in rows] == [Membership]
        with statements() as seen:
            assert rows[0].group.display_name == "G"
        assert seen == [], "peewee's cursor wrapper no longer attaches joined models"


def test_a_kept_column_layout_reads_later_rows_as_peewee_would(any_db_app):
    """prepared.py keeps what peewee's cursor wrapper worked out from the first run's
    cursor (the attributes ``initialize`` sets) and gives it to later wrappers: their
    models, joined models and converted values must match a fresh wrapper's."""
    with database.connection_context():
        org = Organization.create(name="Acme", slug="acme")
        groups_of = groups_of_member()
        fresh = Membership.select(Membership, Group).join(Group)
        assert groups_of.rows(-1) == []  # no row: nothing worked out, nothing kept
        for n in range(3):
            member = Member.create(
                organization=org, email=f"m{n}@acme.example.com", email_key=f"m{n}"
            )
            group = Group.create(organization=org, display_name=f"G{n}", name_key=f"g{n}")
            Membership.create(group=group, member=member)
            (kept,) = groups_of.rows(member.id)
            (expected,) = fresh.where(Membership.member == member.id)
            assert kept.__data__ == expected.__data__
            assert kept.group.__data__ == expected.group.__data__
            assert isinstance(kept.created_at, datetime)
            assert isinstance(kept.group.created_at, datetime)


def test_peewee_query_hooks_see_every_statement(any_db_app):
    """``Database.query_hooks``: tests/query_counter.py counts statements with it."""
    assert isinstance(getattr(database.obj, "query_hooks", None), list), (
        "peewee Database.query_hooks moved: tests/query_counter.py uses it"
    )
    seen = []
    database.obj.query_hooks.append(seen.append)
    try:
        with database.connection_context():
            database.execute_sql("SELECT 1")
    finally:
        database.obj.query_hooks.remove(seen.append)
    assert [event.sql for event in seen] == ["SELECT 1"]


# --- authlib (wizard/sso/clients.py, wizard/outbound/oauth.py) ------------------------


@pytest.fixture
def registered(app):
    """A DoorOAuth2App registered as clients.py registers one, removed afterwards."""
    name = "contract-test"

    def register(**settings):
        clients.oauth._clients.pop(name, None)
        return clients.oauth.register(
            name,
            client_cls=DoorOAuth2App,
            outbound_organization=None,
            outbound_origin=ISSUER,
            client_id="client",
            server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid"},
            **settings,
        )

    with app.app_context():
        yield register
    clients.oauth._clients.pop(name, None)
    clients.oauth._registry.pop(name, None)


def test_authlib_registry_caches_clients_in_clients_dict(registered):
    """``OAuth._clients``: ``register`` returns the client already built under a name,
    so clients.py drops it from ``_clients`` to rebuild with new settings."""
    first = registered(client_secret="one")
    assert isinstance(getattr(clients.oauth, "_clients", None), dict), (
        "authlib OAuth._clients moved: wizard/sso/clients.py rebuilds clients through it"
    )
    assert clients.oauth._clients["contract-test"] is first
    again = clients.oauth.register("contract-test", client_secret="two")
    assert again is first, "authlib's register now replaces a built client: drop the pop"
    rebuilt = registered(client_secret="two")
    assert rebuilt is not first and rebuilt.client_secret == "two"


def test_authlib_builds_our_client_class_with_our_arguments(registered):
    """``client_cls`` given to ``register``: the registry calls it as
    ``client_cls(framework, name, **settings)``, our own arguments included."""
    client = registered()
    assert isinstance(client, DoorOAuth2App) and isinstance(client, FlaskOAuth2App)
    assert client.outbound_origin == ISSUER and client.client_id == "client"


def test_authlib_makes_every_session_from_the_app_client_cls(registered):
    """The app's ``client_cls`` attribute is the session class authlib instantiates for
    discovery (``_get_session``) and for token, JWKS and userinfo requests
    (``_get_oauth_client``): ours mounts the outbound door on each."""
    client = registered()
    assert issubclass(client.client_cls, OAuth2Session)
    for hook in ("_get_session", "_get_oauth_client"):
        method = getattr(client, hook, None)
        assert callable(method), f"authlib OAuth2 app {hook} moved: sessions may skip the door"
        session = method()
        try:
            assert type(session) is client.client_cls, f"authlib {hook} ignores client_cls"
            with pytest.raises(outbound.OutboundError):
                session.get("https://elsewhere.example.com/", withhold_token=True)
        finally:
            session.close()


@pytest.mark.parametrize(
    "call",
    [
        lambda client: client.create_authorization_url("https://app.example.com/callback"),
        lambda client: client.fetch_jwk_set(force=True),
        lambda client: client.fetch_access_token(code="x"),
    ],
    ids=["authorize", "jwks", "token"],
)
def test_authlib_reads_endpoints_through_load_server_metadata(registered, call):
    """``load_server_metadata`` is the hook authlib reads every endpoint through before
    it uses one: our override refuses a document naming another server, so a moved
    endpoint is never used."""
    client = registered(
        authorization_endpoint="https://elsewhere.example.com/authorize",
        token_endpoint=f"{ISSUER}/token",
        jwks_uri=f"{ISSUER}/keys",
        _loaded_at=1.0,  # already loaded: nothing is fetched
    )
    with pytest.raises(outbound.OutboundError, match="other than the issuer"):
        call(client)
