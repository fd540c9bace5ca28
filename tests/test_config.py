"""Configuration: production refuses unsafe settings; development keeps its secrets."""

import pytest
from cryptography.fernet import Fernet

from wizard import create_app
from wizard.config import UnsafeConfiguration, is_loopback_host

KEY = Fernet.generate_key().decode()
# A strong key (fixed so a run is repeatable); the weak ones are in the tests below.
SECRET = "kR3v8Q-yN2bW7xZ_pL5mT9cJ1hF4dG6sA0eU"


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


def test_development_allows_http_for_loopback(tmp_path):
    """http:// is fine for a loopback PUBLIC_BASE_URL in development (local trials)."""
    app = create_app(
        production(tmp_path, APP_ENV="development", PUBLIC_BASE_URL="http://127.0.0.1:8000/")
    )
    assert app.config["PUBLIC_BASE_URL"] == "http://127.0.0.1:8000"
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000", "http://localhost:5000", "http://[::1]:8000", "127.0.0.1:8000"],
)
def test_production_refuses_http_even_for_loopback(tmp_path, url):
    """Attack: production with a plain-http base URL (cookies without Secure, redirect
    URIs Okta refuses). Loopback is no exception outside development."""
    with pytest.raises(UnsafeConfiguration, match="PUBLIC_BASE_URL must start with https://"):
        create_app(production(tmp_path, PUBLIC_BASE_URL=url))


@pytest.mark.parametrize(
    "key",
    [
        "s" * 40,  # one repeated character
        "ab" * 20,  # two characters
        "0110100110010110" * 4,  # 64 bits of binary at most
        "gattacacgtagctagcatcgatcgtagctagctacgatcgatgcat",  # four letters: 94 bits at most
        "0123456789" * 4,  # a sequence
        "qwertyuiopasdfghjklzxcvbnm1234567890",  # keyboard rows
        "password1234567890password1234567890",  # a word, digits, repeated
        "correct horse battery staple is my key",  # a dictionary phrase
        "Correct-Horse-Battery-Staple-Is-My-Key",  # the same with separators
        "okta-connector-production-secret-key-2026",  # words and a year
        "changeme-changeme-changeme-changeme",
    ],
)
def test_production_refuses_guessable_secret_keys(tmp_path, key):
    """Attack: a SECRET_KEY long enough but easy to guess signs cookies an offline
    attacker can forge. One line names the variable and how to make a good one."""
    with pytest.raises(UnsafeConfiguration) as refused:
        create_app(production(tmp_path, SECRET_KEY=key))
    message = str(refused.value)
    assert message.startswith("okta-connector refuses to start: SECRET_KEY is too easy to guess")
    assert "secrets.token_urlsafe(48)" in message and "\n" not in message
    assert key not in message  # the secret itself is never printed


@pytest.mark.parametrize(
    "key",
    [
        "3f9c2a7e01b84d6f95e2c0a1d7b3486e",  # secrets.token_hex(16): 128 bits, the shortest
        "9d41f0c7a38e2b65d0f1a7c4e93b8256f1e0d7c9a4b36258e1f0a9d7c6b3e482",  # token_hex(32)
        "Xk9#mP2$vL5@nQ8&wR3!tY6^bH1*jF4%",  # 32 characters, every class
        "gattacacgtagctagcatcgatcgtagctagctacgatcgatgcatgcatcgatcgtacgtagca",  # 4 letters, 132 bits
    ],
)
def test_production_accepts_random_secret_keys(tmp_path, key):
    """Keys a generator makes pass, including the shortest hex one and a long key over a
    small alphabet (its length makes up for the alphabet)."""
    assert create_app(production(tmp_path, SECRET_KEY=key)).config["SECRET_KEY"] == key


def test_generated_secret_keys_always_pass(tmp_path):
    """The command the message recommends always makes an accepted key."""
    import secrets

    from wizard.key_strength import secret_key_weakness

    assert all(secret_key_weakness(secrets.token_urlsafe(48)) is None for _ in range(200))
    assert all(secret_key_weakness(secrets.token_hex(16)) is None for _ in range(200))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SESSION_IDLE_HOURS": "0"}, "SESSION_IDLE_HOURS must be a positive number"),
        ({"SESSION_IDLE_HOURS": "twelve"}, "SESSION_IDLE_HOURS must be a positive number"),
        ({"SESSION_MAX_DAYS": "-1"}, "SESSION_MAX_DAYS must be a positive number"),
    ],
)
def test_session_lifetimes_must_be_positive(tmp_path, overrides, message):
    with pytest.raises(UnsafeConfiguration, match=message):
        create_app(production(tmp_path, **overrides))


def test_session_lifetimes_come_from_the_environment(tmp_path, monkeypatch):
    """Idle and absolute lifetimes default to 12 hours and 7 days; the environment sets them."""
    assert create_app(production(tmp_path)).config["SESSION_IDLE_HOURS"] == 12
    assert create_app(production(tmp_path)).config["SESSION_MAX_DAYS"] == 7
    monkeypatch.setenv("SESSION_IDLE_HOURS", "0.5")
    monkeypatch.setenv("SESSION_MAX_DAYS", "1")
    app = create_app(production(tmp_path))
    assert (app.config["SESSION_IDLE_HOURS"], app.config["SESSION_MAX_DAYS"]) == (0.5, 1)


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
