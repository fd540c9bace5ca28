"""Start the benchmark targets under gunicorn on 127.0.0.1, each on a fresh database."""

import os
import secrets
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import AppProcess

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def engines(choice: str = "both") -> list[str]:
    """``sqlite``, ``postgresql`` or both; PostgreSQL only where a server answers."""
    wanted = ["sqlite", "postgresql"] if choice == "both" else [choice]
    return [e for e in wanted if e != "postgresql" or postgres_available()]


def postgres_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=2):
            return True
    except Exception:
        return False


@contextmanager
def fresh_database(engine: str):
    """A database URL for one run: a temporary SQLite file or a PostgreSQL schema."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory(prefix="okc-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def pooled(url: str, connections: int = 6) -> str:
    if not url.startswith("postgresql://"):
        return url
    return url.replace("postgresql://", "postgresql+pool://", 1) + (
        f"&max_connections={connections}&stale_timeout=300"
    )


class Gunicorn(AppProcess):
    """``gunicorn MODULE:app`` (the product or a bench/ app), ``workers`` x ``threads``,
    logging to a temporary file that ``stop()`` reads and removes."""

    def __init__(self, target: str, env: dict, workers=2, threads=4, health="/healthz"):
        log = Path(tempfile.mkstemp(prefix="okc-bench-", suffix=".log")[1])
        super().__init__(
            env, log, workers, threads, target=target, pythonpath=ROOT / "bench", health=health
        )

    def stop(self) -> str:
        text = super().stop()
        self.log_path.unlink(missing_ok=True)
        return text


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU the processes used so far (their threads included). On a loaded
    machine a server's CPU per request moves far less than its throughput does."""
    return sum(_cpu_ticks(pid) for pid in pids) / os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime (stat(5) fields 14, 15)


def postgres_cpu() -> dict[int, int]:
    """CPU ticks so far of every PostgreSQL process on this machine (backends, WAL writer,
    checkpointer), by pid: ``postgres_cpu_seconds(before)`` is what PostgreSQL spent since.
    The load runs alone, so what they did is what it asked of them."""
    ticks = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    ticks[int(entry.name)] = _cpu_ticks(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return ticks


def postgres_cpu_seconds(before: dict[int, int]) -> float:
    """PostgreSQL's CPU since ``before`` (``postgres_cpu()``): a process started since is
    counted whole, one gone since is lost (the pools keep their connections meanwhile)."""
    now = postgres_cpu()
    spent = sum(ticks - before.get(pid, 0) for pid, ticks in now.items())
    return max(spent, 0) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def product_env(database_url: str) -> dict:
    from cryptography.fernet import Fernet

    return {
        "APP_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        # Production refuses plain http; the processes are reached on their own loopback
        # ports, and this address (what URLs shown to admins start with) is never dialled.
        "PUBLIC_BASE_URL": "https://connector.example.com",
        "SCHEDULER": "off",
    }


def prepare_product(env: dict, plain_url: str, seat_limit=None) -> tuple[str, str, int]:
    """Migrate ``plain_url`` (no pool), create the organization and a SCIM token; returns
    (connection key, token, organization id)."""
    sys.path.insert(0, str(ROOT))
    from wizard import create_app
    from wizard.db import database, upgrade
    from wizard.domain.connections import ensure_connection, issue_scim_token
    from wizard.domain.organizations import create_organization

    config = {**env, "DATABASE_URL": plain_url}
    app = create_app({**config, "INSTANCE_PATH": tempfile.mkdtemp(prefix="okc-bench-")})
    with app.app_context(), database.connection_context():
        upgrade()
        organization = create_organization(
            "Bench", f"bench-{uuid.uuid4().hex[:6]}", seat_limit=seat_limit,
            enterprise_enabled=True,
        )  # fmt: skip
        connection = ensure_connection(organization)
        _, token = issue_scim_token(connection)
        key = connection.scim_key
    database.close()
    return key, token, organization.id
