"""Team > Users' totals come from the member tally and a search is counted up to a
limit (wizard/team/queries.py ``member_pages``): the pages show the same members, in
the same order, as counting and sorting everything would."""

from datetime import timedelta

import pytest

from tests.query_counter import statements
from wizard.domain.sources import Source
from wizard.models import Member, utcnow
from wizard.team import queries


@pytest.fixture
def members(org, db):
    """25 members of Acme, one a second apart; every third deactivated, every fifth
    local; all but two match the search "p"."""
    start = utcnow()
    for n in range(25):
        email = f"{'q' if n in (3, 17) else 'p'}{n:02d}@acme.example.com"
        Member.create(
            organization=org, email=email, email_key=email, user_name=email,
            user_name_key=email, given_name="G", family_name=f"F{n}",
            managed_by=Source.LOCAL if n % 5 == 0 else Source.SCIM, active=n % 3 != 0,
            created_at=start + timedelta(seconds=n), updated_at=start,
        )  # fmt: skip
    return org


def everyone(org, **filters) -> list[str]:
    query = queries.member_query(org, filters.get("q", ""), filters.get("source", ""),
                                 filters.get("status", ""))  # fmt: skip
    return [m.email for m in query]


@pytest.mark.parametrize(
    "filters",
    [{}, {"source": "scim"}, {"status": "inactive"}, {"source": "local", "status": "active"},
     {"q": "p"}, {"q": "p1"}, {"q": "nobody"}, {"source": "bogus", "status": "odd"}],
)  # fmt: skip
def test_every_page_is_the_slice_of_the_full_order(members, filters):
    expected = everyone(members, **filters)
    size = 4
    pages = queries.member_pages(members, filters, 1, size)
    assert pages.counted_all and pages.get_page_count() == -(-len(expected) // size)
    for number in range(1, pages.get_page_count() + 2):
        page = queries.member_pages(members, filters, number, size)
        got = [m.email for m in page.get_object_list()]
        assert got == expected[(number - 1) * size : number * size], (filters, number)


def test_an_unfiltered_page_counts_no_rows(members):
    """The total is the tally's: no ``count(*)`` over the members."""
    with statements() as seen:
        pages = queries.member_pages(members, {}, 1, 10)
        assert pages.get_page_count() == 3
    assert not [sql for sql in seen if "COUNT" in sql.upper() and '"member"' in sql]


def test_a_broad_search_says_more_than_and_still_pages(members, monkeypatch):
    """Past the count limit the pager says "more than"; a page within the counted rows
    needs no full count, a page beyond them counts and is still the right slice."""
    monkeypatch.setattr(queries, "SEARCH_COUNT_LIMIT", 8)
    expected = everyone(members, q="p")
    first = queries.member_pages(members, {"q": "p"}, 1, 4)
    assert not first.counted_all and first.get_page_count() == 3  # 9 counted: more than 8
    assert [m.email for m in first.get_object_list()] == expected[:4]
    last = queries.member_pages(members, {"q": "p"}, 6, 4)
    assert [m.email for m in last.get_object_list()] == expected[20:24]
    assert last.counted_all and last.get_page_count() == 6


def test_the_pager_says_more_than(client, auth, admin, members, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_COUNT_LIMIT", 8)
    monkeypatch.setattr("wizard.team.views.PAGE_SIZE", 4)
    auth.login()
    page = client.get("/team/users?q=p").text
    assert "Page 1 of more than 2" in page and "q=p&amp;page=2" in page
