"""Configuration: defaults, then the environment, then an explicit dict (tests).

Production (the default ``APP_ENV``) refuses to start with unsafe settings rather than
falling back to a development value; development generates its secrets once and keeps
them under the instance folder so restarts do not sign everybody out.
"""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from cryptography.fernet import Fernet

from .config_numbers import SESSION_LIFETIMES, TUNING, check_numbers

ENVIRONMENTS = ("production", "development")
MAIL_SETTINGS = (
    "MAIL_BACKEND",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_USE_TLS",
    "MAIL_DEFAULT_SENDER",
)
SCHEDULER_MODES = ("embedded", "off")
LOOPBACK_HOSTS = {"localhost"}
NEW_SECRET_COMMAND = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"  # noqa: S105
TRUTHY, FALSY = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
SIMULATOR_PREFIX = "/simulated-okta"  # where Simulated Okta is served (wizard/simulator/)


class UnsafeConfiguration(SystemExit):
    """Raised when the app must not start; a SystemExit so the CLI and gunicorn print
    one clear line instead of a traceback."""

    def __init__(self, message: str):
        super().__init__(f"okta-connector refuses to start: {message}")


def is_loopback_host(host: str | None) -> bool:
    """True for localhost, 127.0.0.0/8 and ::1 (the only hosts allowed over http)."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_secure_or_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and is_loopback_host(parts.hostname))


def _instance_secret(instance_path: Path, name: str, make) -> str:
    """Read a development secret from the instance folder, creating it once (mode 0600)."""
    path = instance_path / name
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    value = make()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def from_environment(environ) -> dict:
    """The settings the environment provides; absent variables are left out."""
    names = (
        "APP_ENV",
        "DATABASE_URL",
        "DATABASE_SERVER_PREPARES",
        "DATABASE_PIPELINE",
        "SECRET_KEY",
        "PUBLIC_BASE_URL",
        "SCHEDULER",
        "ENCRYPTION_KEYS",
        "TRUSTED_PROXIES",
        "RATE_LIMIT_STORAGE",
        "DNS_RESOLVER",
        "SESSION_IDLE_HOURS",
        "SESSION_MAX_DAYS",
        *MAIL_SETTINGS,
        "OUTBOUND_ALLOW_LOOPBACK",
        "OUTBOUND_PROXY",
        "OUTBOUND_CA_BUNDLE",
        "SIMULATED_OKTA",
        "INSTANCE_PATH",
        *TUNING,
    )
    return {name: environ[name] for name in names if environ.get(name)}


def build_config(instance_path: str, overrides: dict) -> dict:
    """Merge defaults with ``overrides`` and check the result; returns the final dict."""
    instance = Path(instance_path)
    config = {"APP_ENV": "production", "TRUSTED_PROXIES": 0, **SESSION_LIFETIMES, **overrides}
    env = config["APP_ENV"]
    if env not in ENVIRONMENTS:
        raise UnsafeConfiguration(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    development = env == "development"
    config["SIMULATED_OKTA"] = _flag(config, "SIMULATED_OKTA", development, default=False)

    config.setdefault("DATABASE_URL", f"sqlite:///{instance / 'okta-connector.db'}")
    # Off only for a PgBouncer in transaction mode older than 1.22 (wizard/hot_statements.py).
    config["DATABASE_SERVER_PREPARES"] = _switch(config, "DATABASE_SERVER_PREPARES", default=True)
    # Off only for a proxy in front of PostgreSQL that cannot pass pipelined messages.
    config["DATABASE_PIPELINE"] = _switch(config, "DATABASE_PIPELINE", default=True)
    config.setdefault("SCHEDULER", "embedded" if development else "off")
    config.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:5000" if development else "")
    # Simulated Okta is reached at its own address only (wizard/outbound/policy.py), so
    # with it on, the rest of this machine stays closed unless asked for.
    config["OUTBOUND_ALLOW_LOOPBACK"] = _flag(
        config,
        "OUTBOUND_ALLOW_LOOPBACK",
        development,
        default=development and not config["SIMULATED_OKTA"],
    )
    if development:
        # Only when missing: a value from the environment is never shadowed or written down.
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _instance_secret(instance, "secret_key", _new_secret)
        if not config.get("ENCRYPTION_KEYS"):
            config["ENCRYPTION_KEYS"] = _instance_secret(
                instance, "encryption_keys", lambda: Fernet.generate_key().decode()
            )
    _check(config)
    if problem := check_numbers(config):  # session lifetimes, request log, token cache
        raise UnsafeConfiguration(problem)
    config.update(_mail_settings(config, instance, development))
    config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
    simulated = config["SIMULATED_OKTA"]
    config["SIMULATED_OKTA_URL"] = (
        f"{config['PUBLIC_BASE_URL']}{SIMULATOR_PREFIX}" if simulated else ""
    )
    config["TRUSTED_PROXIES"] = int(config["TRUSTED_PROXIES"])
    config["ENCRYPTION_KEYS"] = _split_keys(config["ENCRYPTION_KEYS"])
    secure = urlsplit(config["PUBLIC_BASE_URL"]).scheme == "https"
    config.update(
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        PREFERRED_URL_SCHEME="https" if secure else "http",
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=config.get("MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        RATELIMIT_STORAGE_URI=config.get("RATE_LIMIT_STORAGE", "memory://"),
        RATELIMIT_HEADERS_ENABLED=True,
    )
    return config


def _flag(config: dict, name: str, development: bool, *, default: bool) -> bool:
    """A development-only switch: OUTBOUND_ALLOW_LOOPBACK (our server would fetch from
    its own machine) and SIMULATED_OKTA (a stand-in Okta anyone could sign in to) may
    not be turned on in production."""
    allowed = _switch(config, name, default=default)
    if allowed and not development and config.get(name) not in (None, ""):
        raise UnsafeConfiguration(f"{name} is for development only: unset it in production")
    return allowed


def _switch(config: dict, name: str, *, default: bool) -> bool:
    """An on/off setting: 1/0, true/false, yes/no, on/off; unset or empty is ``default``."""
    value = config.get(name)
    if value is None or value == "":
        return default
    text = str(value).strip().lower()
    if text not in TRUTHY + FALSY:
        raise UnsafeConfiguration(f"{name} must be 1 or 0")
    return text in TRUTHY


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


def _split_keys(value) -> list[str]:
    if isinstance(value, list | tuple):
        return list(value)
    return [key.strip() for key in str(value).split(",") if key.strip()]


def _check(config: dict) -> None:
    """Refuse settings that would be unsafe; every message names the variable to fix."""
    if not config.get("SECRET_KEY"):
        raise UnsafeConfiguration(f"SECRET_KEY is not set (generate one: {NEW_SECRET_COMMAND})")
    if len(str(config["SECRET_KEY"])) < 32:
        raise UnsafeConfiguration("SECRET_KEY must be at least 32 characters long")
    if config["APP_ENV"] == "production":
        _check_secret_key_strength(str(config["SECRET_KEY"]))
    keys = _split_keys(config.get("ENCRYPTION_KEYS") or "")
    if not keys:
        raise UnsafeConfiguration(
            "ENCRYPTION_KEYS is not set (one or more Fernet keys, comma-separated, newest first)"
        )
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise UnsafeConfiguration(
                "ENCRYPTION_KEYS holds a value that is not a Fernet key"
            ) from None
    base_url = config.get("PUBLIC_BASE_URL") or ""
    if not base_url:
        raise UnsafeConfiguration("PUBLIC_BASE_URL is not set (e.g. https://connector.example.com)")
    _check_public_base_url(base_url, development=config["APP_ENV"] == "development")
    if config["SIMULATED_OKTA"] and not is_loopback_host(urlsplit(base_url).hostname):
        raise UnsafeConfiguration(
            "SIMULATED_OKTA serves Simulated Okta on this machine: set PUBLIC_BASE_URL to "
            "http://127.0.0.1:PORT (make run does)"
        )
    if config["SCHEDULER"] not in SCHEDULER_MODES:
        raise UnsafeConfiguration(f"SCHEDULER must be one of {', '.join(SCHEDULER_MODES)}")
    try:
        if int(config.get("TRUSTED_PROXIES", 0)) < 0:
            raise ValueError
    except ValueError:
        raise UnsafeConfiguration("TRUSTED_PROXIES must be a whole number of proxy hops") from None
    if config.get("DNS_RESOLVER"):
        from .dns import parse_resolver

        try:
            parse_resolver(config["DNS_RESOLVER"])
        except ValueError as exc:
            raise UnsafeConfiguration(str(exc)) from None
    proxy = urlsplit(str(config.get("OUTBOUND_PROXY") or ""))
    if config.get("OUTBOUND_PROXY") and (
        proxy.scheme not in ("http", "https") or not proxy.hostname
    ):
        raise UnsafeConfiguration("OUTBOUND_PROXY must be http://host:port (an egress proxy)")
    bundle = config.get("OUTBOUND_CA_BUNDLE")
    if bundle and not Path(bundle).is_file():
        raise UnsafeConfiguration("OUTBOUND_CA_BUNDLE must be the path of a PEM file")
    url = str(config["DATABASE_URL"])
    if not url.startswith(("sqlite:", "postgres", "postgresql")):
        raise UnsafeConfiguration("DATABASE_URL must be sqlite:///PATH or postgresql://...")


def _check_secret_key_strength(key: str) -> None:
    from .key_strength import secret_key_weakness

    weakness = secret_key_weakness(key)
    if weakness:
        raise UnsafeConfiguration(
            f"SECRET_KEY is too easy to guess ({weakness}); generate one: {NEW_SECRET_COMMAND}"
        )


def _check_public_base_url(base_url: str, *, development: bool) -> None:
    """https everywhere; plain http only for a loopback host in development, where no
    browser but the developer's own reaches it (production would send cookies in clear
    and show Okta redirect URIs it refuses)."""
    if urlsplit(base_url).scheme == "https":
        return
    if development and is_secure_or_loopback_url(base_url):
        return
    raise UnsafeConfiguration(
        "PUBLIC_BASE_URL must start with https:// (Okta connects over HTTPS only); "
        "http:// on a loopback host is accepted in development only (APP_ENV=development)"
    )


def _mail_settings(config: dict, instance: Path, development: bool) -> dict:
    """Mail: off in production unless ``MAIL_BACKEND=smtp`` (console and file backends
    would write one-time password links into logs and files); the ``file`` backend under
    ``instance/mail/`` in development. ``none`` turns it off anywhere."""
    backend = config.get("MAIL_BACKEND", "file" if development else None) or None
    backend = None if backend == "none" else backend
    allowed = ("smtp", "console", "file", "locmem") if development else ("smtp",)
    if backend is not None and backend not in allowed:
        raise UnsafeConfiguration(f"MAIL_BACKEND must be one of {', '.join(allowed)} or none")
    if backend == "smtp" and not config.get("MAIL_SERVER"):
        raise UnsafeConfiguration("MAIL_SERVER is not set (MAIL_BACKEND=smtp needs it)")
    try:
        port = int(config.get("MAIL_PORT", 25))
    except (TypeError, ValueError):
        raise UnsafeConfiguration("MAIL_PORT must be a port number") from None
    host = urlsplit(config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return {
        "MAIL_BACKEND": backend,
        "MAIL_PORT": port,
        "MAIL_USE_TLS": str(config.get("MAIL_USE_TLS", "")).lower() in ("1", "true", "yes", "on"),
        "MAIL_DEFAULT_SENDER": config.get("MAIL_DEFAULT_SENDER") or f"okta-connector@{host}",
        "MAIL_FILE_PATH": config.get("MAIL_FILE_PATH") or str(instance / "mail"),
    }
