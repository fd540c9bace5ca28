"""Scale-out: two app processes (gunicorn) sharing one database, raced by Okta-like
traffic from 8 concurrent clients, on the same users and groups. Nothing is duplicated
or lost, nothing answers 500, SQLite never says "database is locked", and the final
state is the one the requests add up to. PostgreSQL runs pooled, as docs/operations.md
says to deploy it."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import ScimClient, app_config, pooled
from tests.servers import AppProcess, run_scheduler_ticks
from wizard import create_app
from wizard.db import database, upgrade
from wizard.domain.connections import ensure_connection, issue_scim_token
from wizard.domain.organizations import create_organization
from wizard.models import Group, Member, Membership, Organization, SyncRun, utcnow
from wizard.sync import api_connection, runs

CLIENTS = 8
USERS = 24
DEPARTMENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
ACCEPTED = {200, 201, 204, 409}  # 409: the race's loser, told the userName exists


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shared.db'}"
        served_url = url
    else:
        url = request.getfixturevalue("postgres_schema_url")
        # Each process keeps a small pool (docs/operations.md: pool sizing).
        served_url = pooled(url)
        served_url += "&max_connections=6&stale_timeout=300"
    config = app_config(tmp_path, url, SCHEDULER="off")
    app = create_app(config)
    with app.app_context(), database.connection_context():
        upgrade()
        organization = create_organization("Acme", "acme", seat_limit=None, enterprise_enabled=True)
        connection = ensure_connection(organization)
        _, token = issue_scim_token(connection)
        scim_key = connection.scim_key
    database.close()
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": served_url,
        "SECRET_KEY": config["SECRET_KEY"],
        "ENCRYPTION_KEYS": config["ENCRYPTION_KEYS"],
        # Production refuses plain http; the processes are reached on their own loopback
        # ports, and this address (what URLs shown to admins start with) is never dialled.
        "PUBLIC_BASE_URL": "https://connector.example.com",
        "SCHEDULER": "off",
    }
    yield app, env, scim_key, token
    if not database.is_closed():
        database.close()


class Cluster:
    """Two gunicorn processes on one database; ``stop()`` returns what they logged."""

    def __init__(self, app, env, scim_key, token, tmp_path):
        self.app, self.token = app, token
        self.servers = [AppProcess(env, tmp_path / f"app{i}.log") for i in range(2)]
        self.bases = [f"{s.url}/scim/v2/{scim_key}" for s in self.servers]
        self.logs = None

    def stop(self) -> str:
        if self.logs is None:
            self.logs = "\n".join(server.stop() for server in self.servers)
        return self.logs


@pytest.fixture
def cluster(shared_database, tmp_path):
    cluster = Cluster(*shared_database, tmp_path)
    try:
        for server in cluster.servers:
            server.wait_ready()
        yield cluster
    finally:
        cluster.stop()


def assert_clean_logs(logs: str) -> None:
    assert "database is locked" not in logs
    assert "Traceback" not in logs and "SCIM request failed" not in logs


class Traffic:
    """Per-thread SCIM clients spread over both processes; every answer is kept."""

    def __init__(self, bases, token):
        self.bases, self.token = bases, token
        self.local = threading.local()
        self.answers = []
        self.lock = threading.Lock()

    def client(self, n: int) -> ScimClient:
        clients = getattr(self.local, "clients", None)
        if clients is None:
            clients = self.local.clients = [ScimClient(base, self.token) for base in self.bases]
        return clients[n % len(clients)]

    def send(self, n, method, path, body=None):
        client = self.client(n)
        response = client.request(method, path, body)
        with self.lock:
            self.answers.append((method, path, response.status_code, response.text[:300]))
        return response

    def run(self, jobs):
        with ThreadPoolExecutor(CLIENTS) as pool:
            return list(pool.map(lambda job: job(), jobs, timeout=120))


def okta_create(traffic, n, user_name):
    """Okta's import-then-create: look the userName up, create it if absent."""
    found = traffic.send(n, "GET", f'/Users?filter=userName eq "{user_name}"').json()
    if found["totalResults"]:
        return found["Resources"][0]["id"]
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Race", "familyName": user_name.split("@")[0]},
        "emails": [{"value": user_name, "type": "work", "primary": True}],
        "active": True,
    }
    response = traffic.send(n, "POST", "/Users", body)
    if response.status_code == 201:
        return response.json()["id"]
    assert response.status_code == 409, response.text
    return traffic.send(n, "GET", f'/Users?filter=userName eq "{user_name}"').json()["Resources"][
        0
    ]["id"]


def patch_body(*operations):
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}


@pytest.mark.postgres
def test_two_processes_racing_okta_traffic_lose_nothing(cluster):
    traffic = Traffic(cluster.bases, cluster.token)
    names = [f"racer{i}@acme.example.com" for i in range(USERS)]

    # 1. Every user is created by two clients at once, one on each process.
    ids = traffic.run(
        [lambda n=n, name=name: okta_create(traffic, n, name) for name in names for n in (0, 1)]
    )
    by_name = dict(zip([name for name in names for _ in (0, 1)], ids, strict=True))
    assert len(set(ids)) == USERS  # both creators of a user ended with the same id

    # 2. One group, pushed twice at once; then every member added by its own PATCH,
    #    through both processes, and every third one removed again by the same client.
    group_ids = traffic.run(
        [
            lambda n=n: traffic.send(
                n,
                "POST",
                "/Groups",
                {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Racers",
                    "members": [],
                },
            )
            for n in (0, 1)
        ]
    )
    created = [r for r in group_ids if r.status_code == 201]
    group_id = (
        created[0].json()["id"]
        if created
        else traffic.send(0, "GET", '/Groups?filter=displayName eq "Racers"').json()["Resources"][
            0
        ]["id"]
    )
    removed = set(names[::3])

    def add_then_maybe_remove(n, name):
        member = by_name[name]
        traffic.send(
            n,
            "PATCH",
            f"/Groups/{group_id}",
            patch_body({"op": "add", "path": "members", "value": [{"value": member}]}),
        )
        if name in removed:
            traffic.send(
                n + 1,
                "PATCH",
                f"/Groups/{group_id}",
                patch_body({"op": "remove", "path": f'members[value eq "{member}"]'}),
            )

    traffic.run(
        [lambda n=n, name=name: add_then_maybe_remove(n, name) for n, name in enumerate(names)]
    )

    # 3. Two attributes of each user changed at the same moment, one per process.
    traffic.run(
        [
            lambda n=n, name=name, attribute=attribute: traffic.send(
                n,
                "PATCH",
                f"/Users/{by_name[name]}",
                patch_body(
                    {"op": "replace", "path": attribute, "value": f"{attribute[-5:]}-{name}"}
                ),
            )
            for name in names
            for n, attribute in ((0, "title"), (1, DEPARTMENT))
        ]
    )

    # 4. Everyone deactivated twice over, from both processes.
    traffic.run(
        [
            lambda n=n, name=name: traffic.send(
                n,
                "PATCH",
                f"/Users/{by_name[name]}",
                patch_body({"op": "replace", "value": {"active": False}}),
            )
            for name in names
            for n in (0, 1)
        ]
    )

    failures = [a for a in traffic.answers if a[2] not in ACCEPTED]
    assert failures == []
    conflicts = [a for a in traffic.answers if a[2] == 409]
    assert all('"scimType":"uniqueness"' in a[3].replace(" ", "") for a in conflicts)

    assert_clean_logs(cluster.stop())
    with cluster.app.app_context(), database.connection_context():
        members = list(Member.select().where(Member.user_name_key.in_(names)))
        assert sorted(m.user_name for m in members) == sorted(names)  # none twice
        group = Group.get(Group.scim_id == group_id)
        assert Group.select().where(Group.name_key == "racers").count() == 1
        in_group = {
            m.user_name for m in Member.select().join(Membership).where(Membership.group == group)
        }
        assert in_group == set(names) - removed
        for member in members:
            # Both PATCHes of the same moment landed: neither overwrote the other.
            assert (member.title, member.department) == (
                f"title-{member.user_name}",
                f"tment-{member.user_name}",
            )
            assert not member.active
            assert member.version == 4  # created, title, department, deactivated
    database.close()


def test_a_burst_of_creates_on_both_processes_all_land(cluster):
    """8 clients creating distinct users through both processes: every one is created,
    no answer is a 5xx and the logs hold no lock error."""
    traffic = Traffic(cluster.bases, cluster.token)
    traffic.run(
        [
            lambda n=n: okta_create(traffic, n, f"burst{n}@acme.example.com")
            for n in range(CLIENTS * 4)
        ]
    )
    assert [a for a in traffic.answers if a[2] >= 500] == []
    assert len([a for a in traffic.answers if a[0] == "POST" and a[2] == 201]) == CLIENTS * 4
    assert_clean_logs(cluster.stop())


@pytest.mark.postgres
def test_two_scheduler_processes_run_each_organization_once(shared_database, okta, tmp_path):
    from tests.fakes.okta_api import TOKEN

    app, env, _scim_key, _token = shared_database
    okta.add_users(20)
    okta.delay = 0.01  # long enough for the two processes to overlap
    with app.app_context(), database.connection_context():
        second = create_organization("Globex", "globex", seat_limit=None, enterprise_enabled=True)
        for organization in Organization.select():
            connection = ensure_connection(organization)
            api_connection.save_api_settings(connection, okta.url, TOKEN)
            # Paused: only the two queued manual runs exist, whatever the clock says.
            connection.sync_settings.app_id, connection.sync_settings.paused_at = (
                "0oascim",
                utcnow(),
            )
            connection.save()
            runs.queue(organization, "manual")
        assert second.id
    database.close()
    # The Okta emulator listens on 127.0.0.1, which production's outbound door refuses
    # (OUTBOUND_ALLOW_LOOPBACK exists in development only): the schedulers run as
    # development, the rest of the production settings unchanged.
    ticks = run_scheduler_ticks({**env, "APP_ENV": "development"}, tmp_path)
    assert all(code == 0 for code, _, _ in ticks), ticks
    assert sum(int(ran) for _, ran, _ in ticks) == 2  # two runs, whoever took them
    with app.app_context(), database.connection_context():
        for organization in Organization.select():
            done = SyncRun.select().where(SyncRun.organization == organization)
            assert [run.status for run in done] == ["succeeded"]
            synced = Member.select().where(
                (Member.organization == organization) & (Member.managed_by == "sync")
            )
            assert synced.count() == 20
    database.close()
