"""bench/targets.py: the issue's targets table reads one run's figures and says, row by
row, met, missed or not measured (a benchmark never fails; its verdicts must be right)."""

from bench import targets


def rows(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()[2:]
    cells = [[c.strip() for c in line.strip("|").split("|")] for line in lines]
    return {c[0]: c[1:] for c in cells}


def test_a_row_not_measured_says_so_and_gives_no_verdict():
    table = rows(targets.table({}))
    assert len(table) == len(targets.TARGETS)
    for _today, now, _goal, verdict in table.values():
        assert now == "not measured in this run" and verdict == ""


def test_ratios_and_latencies_are_judged_against_their_targets():
    figures = {
        "mix": {
            "okta-connector, SQLite, 1 worker": {"rps": 900, "p99": 30},
            "scim2-server peer (1 worker)": {"rps": 450, "p99": 20},
            "okta-connector, SQLite": {"rps": 800, "p99": 49},
            "stack ceiling, SQLite": {"rps": 1600, "p99": 9},
            "okta-connector, PostgreSQL": {"rps": 300, "p99": 51},
            "stack ceiling, PostgreSQL": {"rps": 700, "p99": 9},
        },
        "team first [postgresql]": 9.0,
        "team last [postgresql]": 14.9,
        "team search [postgresql]": 15.0,
        "patch 5000 [postgresql]": 299,
    }
    table = rows(targets.table(figures))
    peer = table["Okta mix vs scim2-server, 1 worker each, SQLite"]
    assert peer[1:] == ["2.00x", ">= 1.5x", "met"]
    ceiling = table["Okta mix vs the stack ceiling, SQLite / PostgreSQL"]
    assert ceiling[1] == "50 % / 43 %" and ceiling[3] == "missed"
    p99 = table["Okta mix p99, 8 clients, SQLite 2 workers / PostgreSQL"]
    assert p99[1] == "49 / 51 ms" and p99[3] == "missed"
    team = table["Team > Users first, last page and search at 100k, PostgreSQL"]
    assert team[1] == "9.0 / 15 / 15 ms" and team[3] == "missed"  # 15.0 is not < 15
    assert table["5,000-member group PATCH, PostgreSQL"][3] == "met"


def test_the_million_row_compares_each_figure_with_the_same_one_at_100k():
    at_100k = {"lookup": 3.0, "team first": 10, "team last": 10, "team search": 10}
    figures = {f"{k} [postgresql]": v for k, v in at_100k.items()}
    figures["million"] = {f"{k} [postgresql]": v * 2 for k, v in at_100k.items()}
    name = next(t.measure for t in targets.TARGETS if "1,000,000" in t.measure)
    assert rows(targets.table(figures))[name][1:] == ["2.00x / 2.00x / 2.00x / 2.00x",
                                                       "<= 2x each", "met"]  # fmt: skip
    figures["million"]["team search [postgresql]"] = 21
    assert rows(targets.table(figures))[name][3] == "missed"
