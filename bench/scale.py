"""Scale: one organization with 100,000 members and 2,000 groups (seeded in bulk), served
by gunicorn (2 workers x 4 threads). Measures the SCIM ``userName eq`` lookup, paging to
the last page, Team > Users first and last page, a group PATCH adding 5,000 members in
one request, and a worker's memory while paging through everyone.

SCIM figures are server time, read from our own request log (``ScimEvent.latency_ms``);
Team > Users is timed by the client over loopback (rendering included).

Run: ``python bench/scale.py [--members 100000] [--groups 2000] [--engine sqlite]``.
"""

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from seed import ADMIN_EMAIL, ADMIN_PASSWORD, seed
from servers import (
    Gunicorn,
    engines,
    fresh_database,
    peak_rss_mb,
    pooled,
    prepare_product,
    product_env,
    rss_mb,
)

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def server_times(app, path_part: str, query_part: str = "", expect: int = 1) -> list[float]:
    """The server's own latencies for matching requests, once ``expect`` rows are in:
    the workers write the request log in batches (every SCIM_LOG_FLUSH_MS), so the last
    requests' rows arrive a moment after their answers. Bounded: 30 s."""
    from wizard.db import database
    from wizard.models import ScimEvent

    deadline = time.monotonic() + 30
    while True:
        with app.app_context(), database.connection_context():
            query = ScimEvent.select(ScimEvent.latency_ms).where(
                ScimEvent.path.contains(path_part) & ScimEvent.query.contains(query_part)
            )
            found = [latency for (latency,) in query.tuples()]
        if len(found) >= expect or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def clear_log(app) -> None:
    from wizard.db import database
    from wizard.models import ScimEvent

    with app.app_context(), database.connection_context():
        ScimEvent.delete().execute()


def summary(values: list[float], figures: dict | None = None, key: str = "") -> str:
    """p50 and p95 as text; the p50 also into ``figures[key]`` (bench/targets.py)."""
    if not values:
        return "n/a"
    ordered = sorted(values)
    if figures is not None:
        figures[key] = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {p95:.1f} ms (n={len(ordered)})"


def timed_get(session, url, repeat=10) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = session.get(url, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return times


def run(
    engine: str, members: int, groups: int, figures: dict | None = None
) -> list[tuple[str, str]]:
    """The scale table's rows; the figures the targets read go into ``figures`` as
    ``{"<measure> [<engine>]": number}``."""
    figures = {} if figures is None else figures
    from wizard import create_app
    from wizard.db import database
    from wizard.domain.accounts import create_local_admin
    from wizard.domain.roles import OrgRole
    from wizard.models import Member, Organization

    rows = []
    with fresh_database(engine) as url:
        env = product_env(pooled(url))
        key, token, organization_id = prepare_product(env, url)
        app = create_app({**env, "DATABASE_URL": url, "INSTANCE_PATH": "/tmp"})
        with app.app_context(), database.connection_context():
            seeded = seed(organization_id, members, groups)
            # Okta's members only: the local admin made below is not Okta's to push.
            scim_ids = [s for (s,) in Member.select(Member.scim_id).tuples()]
            create_local_admin(
                Organization.get_by_id(organization_id),
                ADMIN_EMAIL,
                ADMIN_PASSWORD,
                OrgRole.ENTERPRISE_ADMIN,
            )
            user_names = [u for (u,) in Member.select(Member.user_name).tuples() if u]
        if hasattr(database.obj, "close_all"):
            database.obj.close_all()
        rows.append(
            (
                f"seed ({engine})",
                f"{seeded['members']:,} members, {seeded['groups']:,} groups, "
                f"{seeded['memberships']:,} memberships in {seeded['seconds']:.1f} s",
            )
        )
        server = Gunicorn("app:app", env, workers=2).wait_ready()
        try:
            numbers: dict = {}
            rows += measure(app, server, key, token, members, scim_ids, user_names, numbers)
            figures.update({f"{name} [{engine}]": value for name, value in numbers.items()})
        finally:
            server.stop()
    return [(f"{name} [{engine}]", value) for name, value in rows]


def measure(app, server, key, token, members, scim_ids, user_names, figures):
    rows = []
    base = f"{server.url}/scim/v2/{key}"
    scim = requests.Session()
    scim.headers.update({"Authorization": f"Bearer {token}"})
    rng = random.Random(11)
    # Warm both workers' imports and connections.
    for _ in range(20):
        scim.get(f"{base}/Users?count=1", timeout=30)
    pids = server.worker_pids()
    rss_before = {pid: rss_mb(pid) for pid in pids}
    clear_log(app)

    for name in rng.sample(user_names, 200):
        response = scim.get(f'{base}/Users?filter=userName eq "{name}"', timeout=30)
        assert response.json()["totalResults"] == 1
    lookups = server_times(app, "/Users", "filter=", expect=200)
    rows.append(("SCIM userName eq lookup", summary(lookups, figures, "lookup")))

    clear_log(app)
    last = members - 99
    for start in (1, members // 2, last):
        for _ in range(5):
            scim.get(f"{base}/Users?startIndex={start}&count=100", timeout=60)
    paging = summary(server_times(app, "/Users", "startIndex=", expect=15))
    rows.append(("SCIM /Users page 1, middle and last (count=100)", paging))

    # Team > Users, signed in as the organization's admin.
    browser = requests.Session()
    login = browser.get(f"{server.url}/login", timeout=30)
    form = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    form["csrf_token"] = CSRF.search(login.text)[1]
    browser.post(f"{server.url}/login", data=form, timeout=30)
    team = f"{server.url}/team/users"
    last_page = (members + 1 + 49) // 50
    pages = {"first": team, "last": f"{team}?page={last_page}", "search": f"{team}?q=user09999"}
    for which, url in pages.items():
        label = f"Team > Users {which}" + ("" if which == "search" else " page")
        rows.append((label, summary(timed_get(browser, url), figures, f"team {which}")))

    # One push adding 5,000 members to a new group.
    clear_log(app)
    group = scim.post(f"{base}/Groups", json={"displayName": "Five thousand"}, timeout=30).json()
    added = [{"value": i} for i in rng.sample(scim_ids, 5000)]
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "add", "path": "members", "value": added}],
    }
    started = time.perf_counter()
    response = scim.patch(f"{base}/Groups/{group['id']}", json=body, timeout=120)
    client_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text[:300]
    assert len(response.json()["members"]) == 5000
    patch_ms = max(server_times(app, f"/Groups/{group['id']}"))
    figures["patch 5000"] = patch_ms
    result = f"{patch_ms:.0f} ms server, {client_ms:.0f} ms client"
    rows.append(("Group PATCH adding 5,000 members", result))

    # Page through every member, 1,000 at a time: memory must not follow the member count.
    for start in range(1, members + 1, 1000):
        scim.get(f"{base}/Users?startIndex={start}&count=1000", timeout=60)
    after = {pid: rss_mb(pid) for pid in pids}
    peaks = {pid: peak_rss_mb(pid) for pid in pids}
    figures["memory growth"] = max(after[pid] - rss_before[pid] for pid in pids)
    rows.append(
        (
            "Worker memory (RSS before -> after paging all; peak)",
            "; ".join(
                f"{rss_before[pid]:.0f} -> {after[pid]:.0f} MB, peak {peaks[pid]:.0f} MB"
                for pid in pids
            ),
        )
    )
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    print("| Measure | Result |\n| --- | --- |")
    for engine in engines(args.engine):
        for name, value in run(engine, args.members, args.groups):
            print(f"| {name} | {value} |", flush=True)


if __name__ == "__main__":
    main()
