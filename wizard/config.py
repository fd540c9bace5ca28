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

ENVIRONMENTS = ("production", "development")
SCHEDULER_MODES = ("embedded", "off")
LOOPBACK_HOSTS = {"localhost"}
TRUTHY, FALSY = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


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
        "SECRET_KEY",
        "PUBLIC_BASE_URL",
        "SCHEDULER",
        "ENCRYPTION_KEYS",
        "TRUSTED_PROXIES",
        "RATE_LIMIT_STORAGE",
        "DNS_RESOLVER",
        "OUTBOUND_ALLOW_LOOPBACK",
        "OUTBOUND_PROXY",
        "OUTBOUND_CA_BUNDLE",
    )
    return {name: environ[name] for name in names if environ.get(name)}


def build_config(instance_path: str, overrides: dict) -> dict:
    """Merge defaults with ``overrides`` and check the result; returns the final dict."""
    instance = Path(instance_path)
    config = {"APP_ENV": "production", "TRUSTED_PROXIES": 0, **overrides}
    env = config["APP_ENV"]
    if env not in ENVIRONMENTS:
        raise UnsafeConfiguration(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    development = env == "development"

    config.setdefault("DATABASE_URL", f"sqlite:///{instance / 'okta-connector.db'}")
    config.setdefault("SCHEDULER", "embedded" if development else "off")
    config.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:5000" if development else "")
    config["OUTBOUND_ALLOW_LOOPBACK"] = _outbound_loopback(config, development)
    if development:
        # Only when missing: a value from the environment is never shadowed or written down.
        if not config.get("SECRET_KEY"):
            config["SECRET_KEY"] = _instance_secret(instance, "secret_key", _new_secret)
        if not config.get("ENCRYPTION_KEYS"):
            config["ENCRYPTION_KEYS"] = _instance_secret(
                instance, "encryption_keys", lambda: Fernet.generate_key().decode()
            )
    _check(config)
    config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
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


def _outbound_loopback(config: dict, development: bool) -> bool:
    """On by default in development (emulators and test providers on 127.0.0.1); in
    production it may not be turned on: our server would fetch from its own machine."""
    value = config.get("OUTBOUND_ALLOW_LOOPBACK")
    if value is None or value == "":
        return development
    text = str(value).strip().lower()
    if text not in TRUTHY + FALSY:
        raise UnsafeConfiguration("OUTBOUND_ALLOW_LOOPBACK must be 1 or 0")
    allowed = text in TRUTHY
    if allowed and not development:
        raise UnsafeConfiguration(
            "OUTBOUND_ALLOW_LOOPBACK is for development only: unset it in production"
        )
    return allowed


def _new_secret() -> str:
    return secrets.token_urlsafe(48)


def _split_keys(value) -> list[str]:
    if isinstance(value, list | tuple):
        return list(value)
    return [key.strip() for key in str(value).split(",") if key.strip()]


def _check(config: dict) -> None:
    """Refuse settings that would be unsafe; every message names the variable to fix."""
    if not config.get("SECRET_KEY"):
        raise UnsafeConfiguration(
            "SECRET_KEY is not set (generate one: python -c "
            "'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if len(str(config["SECRET_KEY"])) < 32:
        raise UnsafeConfiguration("SECRET_KEY must be at least 32 characters long")
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
    if not is_secure_or_loopback_url(base_url):
        raise UnsafeConfiguration(
            "PUBLIC_BASE_URL must start with https:// (Okta connects over HTTPS only); "
            "http:// is accepted for loopback hosts"
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
