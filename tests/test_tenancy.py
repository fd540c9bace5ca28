"""The one scoped load-or-404 (wizard/tenancy.py): a row of the acting organization (the
signed-in member's, or the setup link's for its holder), else 404; and every view loads
rows through it, so no view filters by organization by hand."""

import ast
from pathlib import Path

import pytest
from flask import g
from flask_login import login_user
from werkzeug.exceptions import NotFound

from tests.conftest import PASSWORD
from wizard.domain import accounts, setup_links
from wizard.domain.organizations import add_site
from wizard.models import AuditEvent, Site
from wizard.tenancy import own

WIZARD = Path(__file__).resolve().parent.parent / "wizard"


@pytest.fixture
def sites(org, other_org):
    return add_site(org, "Acme site"), add_site(other_org, "Globex site")


def test_own_finds_the_signed_in_organizations_row_only(app, admin, sites):
    """Another organization's id is not found, even by an EnterpriseAdmin."""
    mine, theirs = sites
    with app.test_request_context():
        login_user(admin)
        assert own(Site, Site.id == mine.id) == mine
        with pytest.raises(NotFound):
            own(Site, Site.id == theirs.id)
        # a query narrowed by the caller is scoped just the same
        with pytest.raises(NotFound):
            own(Site.select().where(Site.name == "Globex site"), Site.id == theirs.id)


def test_own_for_a_setup_link_holder_is_the_links_organization(app, admin, other_org, sites):
    """Someone holding Globex's setup link acts for Globex, nobody else."""
    mine, theirs = sites
    globex_admin = accounts.create_local_admin(other_org, "boss@globex.example.com", PASSWORD)
    with app.test_request_context():
        link, _ = setup_links.create(other_org, globex_admin)
        g.setup_link = link
        assert own(Site, Site.id == theirs.id) == theirs
        with pytest.raises(NotFound):
            own(Site, Site.id == mine.id)


def test_nobody_acting_finds_nothing(app, sites):
    with app.test_request_context(), pytest.raises(NotFound):
        own(Site, Site.id == sites[0].id)


def test_staff_never_find_the_rows_of_no_organization(app, staff, org):
    """Attack: staff have no organization; a scope of "organization IS NULL" would hand
    them every row that belongs to nobody (failed sign-ins' audit events). Only where
    their action allows it (``staff=True``) do they see rows, any organization's."""
    orphan = AuditEvent.create(organization=None, actor_label="x", action="auth.failed")
    acme = AuditEvent.create(organization=org, actor_label="x", action="auth.sign_in")
    with app.test_request_context():
        login_user(staff)
        for event in (orphan, acme):
            with pytest.raises(NotFound):
                own(AuditEvent, AuditEvent.id == event.id)
        assert own(AuditEvent, AuditEvent.id == acme.id, staff=True) == acme


def route_modules() -> list[Path]:
    return [
        path
        for path in WIZARD.rglob("*.py")
        if "migrations" not in path.parts and "@bp." in path.read_text()
    ]


def hand_written_loads(path: Path) -> list[str]:
    """Functions that look a row up and abort(404) themselves."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.FunctionDef):
            continue
        calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
        looks_up = any(
            isinstance(c.func, ast.Attribute) and c.func.attr in ("get_or_none", "first")
            for c in calls
        )
        aborts_404 = any(
            isinstance(c.func, ast.Name)
            and c.func.id == "abort"
            and c.args
            and getattr(c.args[0], "value", None) == 404
            for c in calls
        )
        if looks_up and aborts_404:
            found.append(f"{path.relative_to(WIZARD.parent)}:{node.lineno} {node.name}")
    return found


def test_views_load_rows_through_the_scoped_helper():
    """No view looks a row up and answers 404 by hand: ``tenancy.own`` (or playhouse's
    get_object_or_404 for the staff pages, which are not organization-scoped) does."""
    modules = route_modules()
    assert len(modules) > 10
    found = [line for path in modules for line in hand_written_loads(path)]
    assert not found, found
