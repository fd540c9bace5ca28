"""Converting members to local management is EnterpriseAdmin only, and its one-time
password link cannot become a takeover: emailed to the member where mail is configured
(never shown), otherwise shown to an EnterpriseAdmin and never for another one."""

import logging
import re

import pytest

from tests.conftest import PASSWORD, app_config, csrf_token
from wizard.config import UnsafeConfiguration, build_config, from_environment
from wizard.domain import accounts
from wizard.domain.roles import OrgRole
from wizard.models import AuditEvent, Member, PasswordSetLink, RoleAssignment

LINK = re.compile(r"/account/set-password/(okcp_[A-Za-z0-9_-]+)")
OUR = "urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User"


def outbox(app) -> list:
    return getattr(app.extensions["mailman"], "outbox", [])


def okta_member(scim, email, role=None) -> Member:
    extra = {OUR: {"role": role}} if role else {}
    return Member.get(Member.scim_id == scim.create_user(email, **extra)["id"])


def convert_one(client, member):
    page = client.get(f"/team/users/{member.scim_id}").text
    return client.post(
        f"/team/users/{member.scim_id}/convert", data={"csrf_token": csrf_token(page)}
    )


def convert_all(client):
    page = client.get("/integrations/okta/disconnect").text
    return client.post("/integrations/okta/convert", data={"csrf_token": csrf_token(page)})


def issued() -> list[dict]:
    events = AuditEvent.select().where(AuditEvent.action == "password_link.issued")
    return [e.details for e in events.order_by(AuditEvent.id)]


def test_admin_cannot_convert_a_member(client, auth, admin, scim, org):
    """Attack: an Admin converts an Okta-managed EnterpriseAdmin to local management and
    takes the one-time link shown to them: the account is theirs. Refused (403), per
    member and in bulk; nothing converted, no link made."""
    boss = okta_member(scim, "boss@acme.example.com", "EnterpriseAdmin")
    accounts.create_local_admin(org, "second@acme.example.com", PASSWORD, OrgRole.ADMIN)
    auth.login(email="second@acme.example.com")
    page = client.get(f"/team/users/{boss.scim_id}").text
    assert f"/team/users/{boss.scim_id}/convert" not in page
    assert convert_one(client, boss).status_code == 403
    token = csrf_token(client.get("/account").text)
    assert client.post("/integrations/okta/convert", data={"csrf_token": token}).status_code == 403
    assert Member.get_by_id(boss.id).managed_by == "scim"
    assert PasswordSetLink.select().count() == 0


def test_enterprise_admin_converting_another_without_mail_sees_no_link(
    client, auth, app, admin, scim
):
    """Attack: one EnterpriseAdmin converts another (Okta-managed) to take over the
    account through the link. Without mail no link is shown (nor made) for them; the page
    says what to do. A User converted alongside gets theirs shown."""
    app.config["MAIL_BACKEND"] = None
    boss = okta_member(scim, "boss@acme.example.com", "EnterpriseAdmin")
    jane = okta_member(scim, "jane@acme.example.com", "User")
    auth.login()
    response = convert_all(client)
    assert response.headers["Cache-Control"] == "no-store"
    shown = LINK.findall(response.text)
    assert len(shown) == 1
    assert PasswordSetLink.get().member_id == jane.id
    assert "boss@acme.example.com" in response.text
    assert "configure mail" in response.text.lower()
    assert Member.get_by_id(boss.id).managed_by == "local"  # converted all the same
    assert sorted(d["delivery"] for d in issued()) == ["shown", "withheld"]
    other = okta_member(scim, "other-ea@acme.example.com", "EnterpriseAdmin")
    assert LINK.search(convert_one(client, other).text) is None


def test_with_mail_nobody_sees_a_link_and_the_inbox_has_it(client, auth, app, admin, scim):
    """With mail configured the link goes to the member's own address, never onto a
    page, whoever converts; it works once."""
    boss = okta_member(scim, "boss@acme.example.com", "EnterpriseAdmin")
    jane = okta_member(scim, "jane@acme.example.com")
    auth.login()
    response = convert_all(client)
    assert LINK.search(response.text) is None and "okcp_" not in response.text
    assert "emailed" in response.text.lower()
    sent = {message.to[0]: message for message in outbox(app)}
    assert set(sent) == {boss.email, jane.email}
    assert [d["delivery"] for d in issued()] == ["email", "email"]
    token = LINK.search(sent[jane.email].body)[1]
    other = app.test_client()
    form = other.get(f"/account/set-password/{token}")
    new = "a fresh local password"
    done = other.post(
        f"/account/set-password/{token}",
        data={"csrf_token": csrf_token(form.text), "new_password": new, "confirm": new},
    )
    assert done.status_code == 302
    assert other.get(f"/account/set-password/{token}").status_code == 410  # once only
    assert accounts.authenticate(jane.email, new).id == jane.id
    assert AuditEvent.get(AuditEvent.action == "account.password_set_by_link").target_id == str(
        jane.id
    )


def test_the_link_is_never_logged_nor_audited(client, auth, app, admin, scim, caplog):
    """Neither the application log nor the audit trail holds a link (only its delivery)."""
    okta_member(scim, "jane@acme.example.com")
    auth.login()
    caplog.set_level(logging.DEBUG)
    convert_all(client)
    (message,) = outbox(app)
    token = LINK.search(message.body)[1]
    assert token not in caplog.text
    assert not any(token in str(e.details) for e in AuditEvent.select())


def test_conversion_needs_a_fresh_sign_in(client, auth, admin, scim):
    jane = okta_member(scim, "jane@acme.example.com")
    auth.login()
    with client.session_transaction() as session:
        session["auth_at"] = 1
    response = convert_one(client, jane)
    assert response.status_code == 302 and "/account/confirm" in response.headers["Location"]
    assert Member.get_by_id(jane.id).managed_by == "scim"


def test_enterprise_admin_may_see_their_own_link_without_mail(client, auth, app, org, scim):
    """Converting oneself hands the link to its own holder: shown."""
    app.config["MAIL_BACKEND"] = None
    me = okta_member(scim, "me@acme.example.com")
    RoleAssignment.create(member=me, role="EnterpriseAdmin", source="manual")
    Member.update(role="EnterpriseAdmin", password_hash=accounts.hash_password(PASSWORD)).where(
        Member.id == me.id
    ).execute()
    auth.login(email=me.email)
    assert len(LINK.findall(convert_one(client, me).text)) == 1


# --- the mail settings ------------------------------------------------------------------


def test_mail_settings_come_from_the_environment():
    environ = {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "smtp.example.com",
        "MAIL_PORT": "2525",
        "MAIL_USERNAME": "connector",
        "MAIL_PASSWORD": "mail-secret",
        "MAIL_USE_TLS": "true",
        "MAIL_DEFAULT_SENDER": "connector@example.com",
    }
    assert from_environment(environ) == environ


def test_mail_defaults_per_environment(tmp_path):
    base = app_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    base.pop("MAIL_BACKEND", None)
    development = build_config(str(tmp_path), base)
    assert development["MAIL_BACKEND"] == "file"
    assert development["MAIL_FILE_PATH"] == str(tmp_path / "mail")
    production = build_config(
        str(tmp_path), {**base, "APP_ENV": "production", "PUBLIC_BASE_URL": "https://x.example.com"}
    )
    assert production["MAIL_BACKEND"] is None
    smtp = build_config(
        str(tmp_path),
        {
            **base,
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "smtp.example.com",
            "MAIL_PORT": "2525",
            "MAIL_USE_TLS": "yes",
        },
    )
    assert (smtp["MAIL_PORT"], smtp["MAIL_USE_TLS"]) == (2525, True)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"MAIL_BACKEND": "carrier-pigeon"}, "MAIL_BACKEND"),
        ({"MAIL_BACKEND": "smtp"}, "MAIL_SERVER"),
        ({"MAIL_BACKEND": "console"}, "MAIL_BACKEND"),
        ({"MAIL_BACKEND": "smtp", "MAIL_SERVER": "s.example.com", "MAIL_PORT": "x"}, "MAIL_PORT"),
    ],
)
def test_production_refuses_unsafe_mail_settings(tmp_path, settings, message):
    """In production mail goes over SMTP or not at all: console and file backends would
    write the one-time links into logs and files."""
    base = app_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    base.pop("MAIL_BACKEND", None)
    config = {**base, "APP_ENV": "production", "PUBLIC_BASE_URL": "https://x.example.com"}
    with pytest.raises(UnsafeConfiguration, match=message):
        build_config(str(tmp_path), {**config, **settings})


def test_development_file_backend_writes_the_mail_under_instance(tmp_path, app):
    """`make run` needs no mail server: the message lands in instance/mail/."""
    from wizard import mail

    app.config["MAIL_BACKEND"] = "file"
    app.config["MAIL_FILE_PATH"] = str(tmp_path / "mail")
    with app.app_context():
        mail.send("jane@acme.example.com", "Hello", "Body text")
    (written,) = list((tmp_path / "mail").iterdir())
    assert "jane@acme.example.com" in written.read_text()


def test_a_link_is_claimed_before_the_password_is_set(app, admin, db):
    """Two requests with one link at once each passed the "not used yet" check read
    before either wrote; the claim is now a conditional UPDATE. A password the rules
    refuse rolls the claim back, so the member can try again."""
    from wizard.domain import password_links
    from wizard.models import PasswordSetLink

    with app.app_context():
        link, _token = password_links._create(admin)
        with pytest.raises(accounts.AccountError):
            password_links.redeem(link, "short")
        assert PasswordSetLink.get_by_id(link.id).used_at is None  # still usable
        assert password_links.redeem(link, "a long enough password") is True
        assert password_links.redeem(link, "another long password") is False
    assert accounts.authenticate(admin.email, "a long enough password").id == admin.id
