"""Domain rules on both databases (SQLite, and PostgreSQL in its lane)."""

import pytest

from tests.conftest import PASSWORD
from wizard.db import database
from wizard.domain import accounts, organizations
from wizard.domain.roles import OrgRole
from wizard.models import Member, RoleAssignment, Site


@pytest.fixture
def conn(any_db_app):
    with database.connection_context():
        yield


def test_slug_is_unique(conn):
    organizations.create_organization("Acme", "acme")
    with pytest.raises(organizations.OrganizationError, match="already exists"):
        organizations.create_organization("Acme 2", "acme")


@pytest.mark.parametrize("slug", ["A", "acme_corp", "-acme", "1acme", "a" * 41, "acme corp"])
def test_bad_slugs_are_refused(conn, slug):
    with pytest.raises(organizations.OrganizationError, match="lowercase letters"):
        organizations.create_organization("Acme", slug)


def test_email_is_unique_per_organization_case_insensitively(conn):
    """Two organizations may hold one address; one organization holds it once, any case."""
    acme = organizations.create_organization("Acme", "acme")
    globex = organizations.create_organization("Globex", "globex")
    accounts.create_local_admin(acme, "Pat@Example.com", PASSWORD)
    accounts.create_local_admin(globex, "pat@example.com", PASSWORD)
    with pytest.raises(accounts.AccountError, match="already a member of acme"):
        accounts.create_local_admin(acme, "PAT@example.COM", PASSWORD)
    stored = Member.get(Member.organization == acme)
    assert stored.email == "Pat@example.com"  # case kept (domain normalized) for display


def test_same_email_in_two_organizations_signs_into_the_matching_password(conn):
    acme = organizations.create_organization("Acme", "acme")
    globex = organizations.create_organization("Globex", "globex")
    accounts.create_local_admin(acme, "pat@example.com", PASSWORD)
    accounts.create_local_admin(globex, "pat@example.com", "a different passphrase")
    assert accounts.authenticate("pat@example.com", PASSWORD).organization_id == acme.id
    assert (
        accounts.authenticate("pat@example.com", "a different passphrase").organization_id
        == globex.id
    )


def test_admin_grant_is_recorded(conn):
    acme = organizations.create_organization("Acme", "acme")
    admin = accounts.create_local_admin(acme, "a@example.com", PASSWORD, OrgRole.ENTERPRISE_ADMIN)
    grant = RoleAssignment.get(RoleAssignment.member == admin)
    assert (grant.role, grant.source, grant.site_id) == ("EnterpriseAdmin", "manual", None)
    assert admin.org_role is OrgRole.ENTERPRISE_ADMIN


def test_staff_email_is_unique_and_staff_have_no_organization(conn):
    staff = accounts.create_staff("help@connector.example.com", PASSWORD)
    assert staff.organization_id is None and staff.is_staff
    with pytest.raises(accounts.AccountError, match="already a staff account"):
        accounts.create_staff("HELP@connector.example.com", PASSWORD)


def test_deleting_a_site_removes_its_grants(conn):
    acme = organizations.create_organization("Acme", "acme")
    site = organizations.add_site(acme, "Library")
    admin = accounts.create_local_admin(acme, "a@example.com", PASSWORD)
    RoleAssignment.create(member=admin, site=site, role="Editor")
    site.delete_instance()
    assert not RoleAssignment.select().where(RoleAssignment.site == site.id).exists()
    assert Site.select().count() == 0


def test_demo_is_safe_to_run_again(conn):
    """``demo`` twice: one organization, one admin, a new password each time."""
    _, admin, first = accounts.ensure_demo()
    _, again, second = accounts.ensure_demo()
    assert admin.id == again.id and first != second
    assert accounts.authenticate(admin.email, second) is not None
    assert accounts.authenticate(admin.email, first) is None
