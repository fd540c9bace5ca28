"""Team > Users and Groups: what Okta sent, searchable, paginated, tenant-scoped."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.test_browser_accounts import sign_in
from wizard.domain import accounts
from wizard.domain.roles import OrgRole
from wizard.models import Member


@pytest.fixture
def provisioned(scim):
    jane = scim.create_user("jane@acme.example.com", "Jane", "Doe", title="CTO")
    odd = scim.create_user(
        "odd@acme.example.com",
        "Odd",
        "One",
        emails=[{"value": "other@acme.example.com", "primary": True}],
    )
    group = scim.post(
        "/Groups", {"displayName": "Engineering", "members": [{"value": jane["id"]}]}
    ).json()
    scim.patch(f"/Users/{odd['id']}", [{"op": "replace", "value": {"active": False}}])
    return {"jane": jane, "odd": odd, "group": group}


def test_users_list_shows_what_okta_sent(client, auth, admin, provisioned):
    auth.login()
    page = client.get("/team/users").text
    assert "jane@acme.example.com" in page and "Engineering" in page
    assert "Okta (SCIM)" in page and "Deactivated" in page


def test_each_row_links_to_its_own_member_page(client, auth, admin, provisioned):
    auth.login()
    page = client.get("/team/users").text
    for user in (provisioned["jane"], provisioned["odd"]):
        assert f'href="/team/users/{user["id"]}"' in page
    assert "MEMBER_ID" not in page
    member = client.get(f"/team/users/{provisioned['odd']['id']}").text
    assert "odd@acme.example.com" in member


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("q=JANE", "jane@", "other@"),
        ("source=scim&status=inactive", "other@", "jane@"),
        ("source=local", "admin@acme", "jane@"),
        ("q=doe", "jane@", "other@"),
    ],
)
def test_users_search_and_filters(client, auth, admin, provisioned, query, present, absent):
    auth.login()
    page = client.get(f"/team/users?{query}").text
    assert present in page and absent not in page


def test_member_page_shows_profile_roles_and_warnings(client, auth, admin, provisioned):
    auth.login()
    jane = client.get(f"/team/users/{provisioned['jane']['id']}").text
    assert "CTO" in jane and "Engineering" in jane and "managed by Okta" in jane
    assert "differs from the" not in jane
    odd = client.get(f"/team/users/{provisioned['odd']['id']}").text
    assert "differs from the" in odd  # userName odd@ is not the email other@


def test_grant_reasons_are_shown(client, auth, admin):
    auth.login()
    page = client.get(f"/team/users/{admin.scim_id}").text
    assert "Given by an admin" in page and "Enterprise admin" in page


def test_groups_pages(client, auth, admin, provisioned):
    auth.login()
    listing = client.get("/team/groups").text
    assert "Engineering" in listing
    group = client.get(f"/team/groups/{provisioned['group']['id']}").text
    assert "jane@acme.example.com" in group and "other@" not in group


def test_pagination_keeps_filters(client, auth, admin, org, db):
    rows = [
        {
            "organization": org.id,
            "email": f"p{i}@acme.example.com",
            "email_key": f"p{i}@acme.example.com",
            "managed_by": "scim",
            "phone_numbers": "[]",
        }
        for i in range(120)
    ]
    with db.atomic():
        for row in rows:
            Member.create(**row)
    auth.login()
    first = client.get("/team/users?source=scim").text
    assert "Page 1 of 3" in first and "source=scim&amp;page=2" in first
    last = client.get("/team/users?source=scim&page=3").text
    assert last.count('href="/team/users/') == 20


def test_other_organizations_members_are_not_found(client, auth, admin, other_org, db):
    stranger = accounts.create_local_admin(other_org, "x@globex.example.com", PASSWORD)
    auth.login()
    assert client.get(f"/team/users/{stranger.scim_id}").status_code == 404
    assert "x@globex" not in client.get("/team/users?q=x").text


def test_members_without_role_cannot_see_the_team(client, auth, org):
    accounts.create_local_admin(org, "plain@acme.example.com", PASSWORD, OrgRole.NONE)
    auth.login(email="plain@acme.example.com")
    assert client.get("/team/users").status_code == 403


@pytest.mark.browser
def test_team_page_in_browser_shows_provisioned_users(
    page, live_server, admin, provisioned, screenshot
):
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Team").click()
    expect(page.get_by_role("link", name="jane@acme.example.com")).to_be_visible()
    page.get_by_label("Search").fill("jane")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name="other@acme.example.com")).to_have_count(0)
    screenshot("team-users")
    page.get_by_role("link", name="jane@acme.example.com").click()
    expect(page.get_by_role("heading", name="Jane Doe")).to_be_visible()


def test_search_is_a_prefix_match_on_both_engines(any_db_app):
    """The search is index-backed ranges (and the "C" collation on PostgreSQL): prefixes
    of email, userName, given and family names, any case; never a middle of a word."""
    from wizard.db import database, is_sqlite
    from wizard.domain.organizations import create_organization
    from wizard.team import queries

    with any_db_app.app_context(), database.connection_context():
        organization = create_organization("Acme", "acme", enterprise_enabled=True)
        people = [
            ("jane@acme.example.com", "Jane", "Doe"),
            ("zoe@acme.example.com", "Zoë", "Émile"),
            ("bob@acme.example.com", "Bob", "Smith-Jones"),
        ]
        for email, given, family in people:
            accounts.create_local_admin(organization, email, PASSWORD, OrgRole.READ_ONLY)
            Member.update(given_name=given, family_name=family).where(
                Member.email == email
            ).execute()

        def found(search):
            return sorted(m.email.split("@")[0] for m in queries.member_query(organization, search))

        assert found("JA") == ["jane"]
        assert found("doe") == ["jane"]
        assert found("zoë") == ["zoe"]
        # SQLite's lower() folds ASCII letters only (as its LIKE did): "É" stays "É" there.
        assert found("émi") == ([] if is_sqlite() else ["zoe"])
        assert found("smith-") == ["bob"]
        assert found("acme") == []  # the middle of an address is not a prefix
        assert found("") == ["bob", "jane", "zoe"]


def test_pages_past_the_middle_read_from_the_end_and_match(org, db):
    """Every page, including those read in reverse, is the slice of the full order."""
    from datetime import timedelta

    from wizard.models import utcnow
    from wizard.team import queries
    from wizard.team.paging import Pages

    start = utcnow()
    for n in range(11):
        member = accounts.create_local_admin(
            org, f"p{n}@acme.example.com", PASSWORD, OrgRole.READ_ONLY
        )
        # Two members share each timestamp: the id decides between them.
        Member.update(created_at=start + timedelta(seconds=n // 2)).where(
            Member.id == member.id
        ).execute()
    everyone = [m.id for m in queries.member_query(org)]
    reverse = (Member.created_at.asc(), Member.id.asc())
    for size in (2, 3, 4, 11, 20):
        pages = Pages(queries.member_query(org), size, reverse=reverse, page=1)
        count = pages.get_page_count()
        assert count == -(-len(everyone) // size)
        for number in range(1, count + 2):
            page = Pages(queries.member_query(org), size, reverse=reverse, page=number)
            got = [m.id for m in page.get_object_list()]
            assert got == everyone[(number - 1) * size : number * size], (size, number)


def test_team_tabs_link_to_teams_own_doors(client, auth, admin):
    """An admin's Team tabs lead to /team/failed-migrations and /team/audit, the pages of
    the Team area, not to Support's copies of them (which the links used to build)."""
    auth.login()
    tabs = client.get("/team/users").text.split('<nav class="tabs"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/team/failed-migrations"' in tabs and 'href="/team/audit"' in tabs
    assert "/support/" not in tabs
