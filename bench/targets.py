"""The performance targets of issue 19, side by side: the figure before the work
("today", docs/benchmarks.md's run of 2026-11-23), the figure this run measured, and
whether it meets the target. ``make bench`` prints it last; nothing here fails a run.

Each row reads the figures the benchmarks leave in one dict: ``scim_mix`` rows by
target label, ``scale`` and ``sync_speed`` figures as ``"<measure> [<engine>]"``.
"""

from collections.abc import Callable
from dataclasses import dataclass

PEER = "scim2-server peer (1 worker)"


@dataclass(frozen=True)
class Target:
    measure: str
    today: str
    goal: str
    now: Callable[[dict], list[float | None]]  # this run's figures, in the order shown
    met: Callable[[list[float]], bool]
    unit: str = " ms"


def _mix(figures, label, field="rps"):
    row = figures.get("mix", {}).get(label)
    return row[field] if row else None


def _ratio(a, b):
    return None if a is None or not b else a / b


def _mix_ratio(label, other):
    return lambda f: [_ratio(_mix(f, label), _mix(f, other))]


def _ceiling_share(f):
    return [
        _ratio(_mix(f, f"okta-connector, {engine}"), _mix(f, f"stack ceiling, {engine}"))
        for engine in ("SQLite", "PostgreSQL")
    ]


def _keys(*keys):
    return lambda f: [f.get(key) for key in keys]


def _within_twice(f):
    """1M / 100k for the lookup and the Team pages: each must be at most 2."""
    pairs = [("lookup", "SCIM userName eq lookup")] + [
        (f"team {which}", f"Team > Users {which}") for which in ("first", "last", "search")
    ]
    big = f.get("million", {})
    return [
        _ratio(big.get(f"{key} [postgresql]"), f.get(f"{key} [postgresql]")) for key, _ in pairs
    ]


TARGETS = [
    Target(
        "Okta mix vs scim2-server, 1 worker each, SQLite",
        "0.69x",
        ">= 1.5x",
        _mix_ratio("okta-connector, SQLite, 1 worker", PEER),
        lambda v: v[0] >= 1.5,
        "x",
    ),
    Target(
        "Okta mix vs the stack ceiling, SQLite / PostgreSQL",
        "25 % / 27 %",
        ">= 50 % / >= 50 %",
        _ceiling_share,
        lambda v: all(x >= 0.5 for x in v),
        "%",
    ),
    Target(
        "Okta mix p99, 8 clients, SQLite 2 workers / PostgreSQL",
        "158 / 67 ms",
        "< 50 / < 50 ms",
        lambda f: [
            _mix(f, "okta-connector, SQLite", "p99"),
            _mix(f, "okta-connector, PostgreSQL", "p99"),
        ],
        lambda v: all(x < 50 for x in v),
    ),
    Target(
        "Team > Users first, last page and search at 100k, PostgreSQL",
        "29 / 33 / 79 ms",
        "< 15 ms each",
        _keys(*(f"team {w} [postgresql]" for w in ("first", "last", "search"))),
        lambda v: all(x < 15 for x in v),
    ),
    Target(
        "5,000-member group PATCH, PostgreSQL",
        "689 ms",
        "< 300 ms",
        _keys("patch 5000 [postgresql]"),
        lambda v: v[0] < 300,
    ),
    Target(
        "100,000-user first sync / no-change re-sync, PostgreSQL",
        "104 / 19 s",
        "< 45 / < 10 s",
        _keys("full first sync [postgresql]", "re-sync, no change [postgresql]"),
        lambda v: v[0] < 45 and v[1] < 10,
        " s",
    ),
    Target(
        "100,000-user first sync / re-sync, SQLite",
        "42 / 9.8 s",
        "< 30 / < 6 s",
        _keys("full first sync [sqlite]", "re-sync, no change [sqlite]"),
        lambda v: v[0] < 30 and v[1] < 6,
        " s",
    ),
    Target(
        "userName eq and Team > Users (first / last / search) at 1,000,000, PostgreSQL, vs 100k",
        "not measured",
        "<= 2x each",
        _within_twice,
        lambda v: all(x <= 2 for x in v),
        "x",
    ),
]


def _shown(values: list[float], unit: str) -> str:
    if unit == "%":
        text = " / ".join(f"{v * 100:.0f} %" for v in values)
    elif unit == "x":
        text = " / ".join(f"{v:.2f}x" for v in values)
    else:
        text = " / ".join(f"{v:.0f}" if v >= 10 else f"{v:.1f}" for v in values) + unit
    return text


def table(figures: dict) -> str:
    """The targets as a Markdown table; a row this run did not measure says so."""
    lines = [
        "| Measure | Today (2026-11-23) | Now | Target | |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for target in TARGETS:
        values = target.now(figures)
        if not values or any(v is None for v in values):
            now, verdict = "not measured in this run", ""
        else:
            now = _shown(values, target.unit)
            verdict = "met" if target.met(values) else "missed"
        lines.append(f"| {target.measure} | {target.today} | {now} | {target.goal} | {verdict} |")
    return "\n".join(lines)
