"""Configuration: production refuses unsafe settings; development keeps its secrets."""

import pytest
from cryptography.fernet import Fernet

from wizard import create_app
from wizard.config import UnsafeConfiguration, is_loopback_host

KEY = Fernet.generate_key().decode()
SECRET = "s" * 40


def production(tmp_path, **overrides):
    config = {
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "ENCRYPTION_KEYS": KEY,
        "PUBLIC_BASE_URL": "https://connector.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    config.update(overrides)
    return {key: value for key, value in config.items() if value is not None}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "at least 32 characters"),
        ({"ENCRYPTION_KEYS": None}, "ENCRYPTION_KEYS is not set"),
        ({"ENCRYPTION_KEYS": "not-a-key"}, "not a Fernet key"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL is not set"),
        ({"PUBLIC_BASE_URL": "http://connector.example.com"}, "must start with https://"),
        ({"SCHEDULER": "sometimes"}, "SCHEDULER must be one of"),
        ({"TRUSTED_PROXIES": "two"}, "TRUSTED_PROXIES"),
        ({"APP_ENV": "staging"}, "APP_ENV must be one of"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_unsafe_settings(tmp_path, overrides, message):
    """Each unsafe production setting stops the app with a message naming the variable."""
    with pytest.raises(UnsafeConfiguration, match=message):
        create_app(production(tmp_path, **overrides))


def test_production_accepts_safe_settings_and_secures_cookies(tmp_path):
    """A complete https configuration starts, with Secure, HttpOnly, SameSite=Lax cookies."""
    app = create_app(production(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SCHEDULER"] == "off"


def test_production_allows_http_for_loopback(tmp_path):
    """http:// is fine for a loopback PUBLIC_BASE_URL (local trials behind no proxy)."""
    app = create_app(production(tmp_path, PUBLIC_BASE_URL="http://127.0.0.1:8000/"))
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_development_generates_secrets_once(tmp_path):
    """Development makes SECRET_KEY and an encryption key once and reuses them."""
    config = {
        "APP_ENV": "development",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}",
    }
    first = create_app(dict(config))
    second = create_app(dict(config))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert first.config["ENCRYPTION_KEYS"] == second.config["ENCRYPTION_KEYS"]
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o077 == 0
    assert first.config["SCHEDULER"] == "embedded"


def test_environment_variables_are_read(tmp_path, monkeypatch):
    """Settings come from the environment when no dict overrides them."""
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", SECRET)
    monkeypatch.setenv("ENCRYPTION_KEYS", f"{KEY}, {Fernet.generate_key().decode()}")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://c.example.com")
    monkeypatch.setenv("TRUSTED_PROXIES", "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert len(app.config["ENCRYPTION_KEYS"]) == 2
    assert app.config["TRUSTED_PROXIES"] == 1


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.9.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("localhost.example.com", False),
        ("", False),
        (None, False),
    ],
)
def test_loopback_hosts(host, expected):
    """Only loopback hosts may use http://."""
    assert is_loopback_host(host) is expected


def test_trusted_proxies_make_client_ip_real(tmp_path):
    """With one trusted hop, the recorded client address is the one the proxy saw."""
    from flask import request

    app = create_app(production(tmp_path, TRUSTED_PROXIES=1))

    @app.get("/_ip")
    def ip():
        return request.remote_addr

    response = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert response.text == "203.0.113.9"
    untrusted = create_app(production(tmp_path))

    @untrusted.get("/_ip")
    def ip2():
        return request.remote_addr

    forged = untrusted.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forged.text == "127.0.0.1"


def test_development_never_writes_secrets_it_was_given(tmp_path):
    """Secrets passed in are used as they are; nothing is written under instance/."""
    create_app(
        {
            "APP_ENV": "development",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": SECRET,
            "ENCRYPTION_KEYS": KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}",
        }
    )
    assert not (tmp_path / "instance" / "secret_key").exists()
    assert not (tmp_path / "instance" / "encryption_keys").exists()
