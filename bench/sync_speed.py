"""Sync speed: Simulated Okta's management API (wizard/simulator/, on 127.0.0.1) holding
100,000 users and 2,000 groups; a full first sync, then a re-sync with no change, each
run as ``flask sync run`` in its own process. Wall time, Okta API calls, peak memory.

Run: ``python bench/sync_speed.py [--users 100000] [--groups 2000] [--engine sqlite]``;
``--profile DIR`` runs each sync under pyinstrument and writes its text report there
(slower: the figures of a profiled run are not the benchmark's).
"""

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from servers import engines, fresh_database, peak_rss_mb, prepare_product, product_env

from wizard.simulator.management_api import OktaEmulator

TOKEN = "00bench-api-token-simulated"


def emulator(users: int, groups: int, per_group: int = 50) -> OktaEmulator:
    okta = OktaEmulator(token=TOKEN)
    okta.add_users(users)
    ids = list(okta.users)
    for n in range(groups):
        start = (n * per_group) % max(len(ids) - per_group, 1)
        okta.add_group(f"00g{n:06d}", f"Okta group {n}", ids[start : start + per_group])
    return okta


def sync_once(env: dict, slug: str, profile: Path | None = None) -> dict:
    """One ``flask sync run`` in a child process: its JSON, wall time, CPU time and peak
    memory, all of that child alone (``wait4`` for the times: the getrusage of all
    children reported the largest child so far; VmHWM for the memory)."""
    command = ["-m", "flask", "--app", "app", "sync", "run", "--org", slug]
    if profile is not None:
        command = ["-m", "pyinstrument", "--no-color", "-o", str(profile), *command]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env={"PATH": os.environ.get("PATH", "/usr/bin"), **env},
            stdout=out,
            stderr=err,
            text=True,
        )
        watchdog = threading.Timer(900, child.kill)  # bounded like every load here
        watchdog.start()
        done = threading.Event()
        peak = threading.Thread(target=_watch_peak, args=(child.pid, done, peaks := [0.0]))
        peak.start()
        try:
            _pid, status, usage = os.wait4(child.pid, 0)
        finally:
            watchdog.cancel()
            done.set()
            peak.join()
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if child.returncode != 0:
        raise RuntimeError(stdout[-2000:] + stderr[-3000:])
    result = json.loads(stdout.strip().splitlines()[-1])
    # The child's CPU time moves less than its wall time on a shared machine.
    cpu = usage.ru_utime + usage.ru_stime
    return {**result, "wall": wall, "cpu": cpu, "peak_mb": peaks[0]}


def _watch_peak(pid: int, done: threading.Event, peaks: list[float]) -> None:
    """The child's VmHWM, read every 20 ms while it runs. Not ``ru_maxrss``: Linux keeps
    that across ``exec``, so a child of this large process reported this process's own
    peak (403 MB for a 230 MB sync). VmHWM belongs to the child's own memory map, and
    only grows: the last reading is its peak up to 20 ms before the end."""
    while not done.wait(0.02):
        try:
            peaks[0] = max(peaks[0], peak_rss_mb(pid))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            return  # exited (a zombie has no memory map left)


def run(
    engine: str,
    users: int,
    groups: int,
    figures: dict | None = None,
    profiles: Path | None = None,
) -> list[tuple[str, str]]:
    """Both syncs' rows; their wall times also into ``figures`` ("<label> [<engine>]")."""
    figures = {} if figures is None else figures
    from wizard import create_app
    from wizard.db import database
    from wizard.domain.connections import ensure_connection
    from wizard.models import Organization
    from wizard.sync import api_connection

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per call is noise
    okta = emulator(users, groups)
    server = make_server("127.0.0.1", 0, okta, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    okta_url = f"http://127.0.0.1:{server.server_port}"
    rows = []
    try:
        with fresh_database(engine) as url:
            # The emulator is on 127.0.0.1: only development lets outbound requests reach
            # loopback (OUTBOUND_ALLOW_LOOPBACK), the other settings stay production's.
            env = {**product_env(url), "APP_ENV": "development"}
            _key, _token, organization_id = prepare_product(env, url)
            app = create_app({**env, "INSTANCE_PATH": "/tmp"})
            with app.app_context(), database.connection_context():
                organization = Organization.get_by_id(organization_id)
                connection = ensure_connection(organization)
                api_connection.save_api_settings(connection, okta_url, TOKEN)
                connection.sync_settings.app_id = "0oascim"
                connection.save()
                slug = organization.slug
            for label in ("full first sync", "re-sync, no change"):
                okta.calls.clear()
                report = None
                if profiles is not None:
                    report = profiles / f"{engine}-{label.split(',')[0].replace(' ', '-')}.txt"
                result = sync_once(env, slug, report)
                counts = {k: v for k, v in result.items() if isinstance(v, int) and v}
                figures[f"{label} [{engine}]"] = result["wall"]
                rows.append(
                    (
                        f"{label} [{engine}]",
                        f"{result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU, "
                        f"{result['api_calls']} API calls "
                        f"({len(okta.calls)} served), peak {result['peak_mb']:.0f} MB; "
                        f"status {result['status']}; {counts}",
                    )
                )
    finally:
        server.shutdown()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2_000)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--profile", type=Path, metavar="DIR", help="pyinstrument reports")
    args = parser.parse_args()
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    print("| Sync | Result |\n| --- | --- |")
    for engine in engines(args.engine):
        for name, value in run(engine, args.users, args.groups, profiles=args.profile):
            print(f"| {name} | {value} |", flush=True)


if __name__ == "__main__":
    main()
