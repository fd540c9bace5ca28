"""``flask domain add / verify / list``: the record to create, a check over the real DNS
server, and ``--skip-dns`` for installs without public DNS (audited as the CLI's)."""

import re

from wizard.models import AuditEvent, EmailDomain


def run(runner, *args):
    return runner.invoke(args=list(args))


def test_add_prints_the_txt_record_to_create(runner, org):
    result = run(runner, "domain", "add", "--org", "acme", "--domain", "Acme.example.com")
    assert result.exit_code == 0, result.output
    claim = EmailDomain.get()
    assert "name:  _okta-connector-challenge.acme.example.com" in result.output
    assert f"value: okta-connector-verification={claim.token}" in result.output
    assert claim.status == "pending"
    assert AuditEvent.get(AuditEvent.action == "domain.claimed").actor_label == "cli"


def test_add_refuses_free_mail_in_one_line(runner, org):
    result = run(runner, "domain", "add", "--org", "acme", "--domain", "gmail.com")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "free email provider" in result.output
    assert EmailDomain.select().count() == 0


def test_verify_exits_1_with_the_reason_until_the_record_exists(runner, org, dns_server):
    added = run(runner, "domain", "add", "--org", "acme", "--domain", "acme.example.com")
    value = re.search(r"value: (\S+)", added.output)[1]
    missing = run(runner, "domain", "verify", "--org", "acme", "--domain", "acme.example.com")
    assert missing.exit_code == 1
    assert "No TXT record named _okta-connector-challenge.acme.example.com" in missing.output
    dns_server.zone.set("_okta-connector-challenge.acme.example.com", "TXT", value)
    found = run(runner, "domain", "verify", "--org", "acme", "--domain", "acme.example.com")
    assert found.exit_code == 0, found.output
    assert (EmailDomain.get().status, EmailDomain.get().method) == ("verified", "dns")
    event = AuditEvent.get(AuditEvent.action == "domain.verified")
    assert (event.actor_label, event.details["method"]) == ("cli", "dns")
    listed = run(runner, "domain", "list", "--org", "acme")
    assert "acme.example.com\tverified\tdns\tchecked 20" in listed.output


def test_verify_with_skip_dns_is_audited_as_the_clis(runner, org, dns_server):
    run(runner, "domain", "add", "--org", "acme", "--domain", "acme.example.com")
    result = run(
        runner, "domain", "verify", "--org", "acme", "--domain", "acme.example.com", "--skip-dns"
    )
    assert result.exit_code == 0, result.output
    assert (EmailDomain.get().status, EmailDomain.get().method) == ("verified", "skip_dns")
    assert dns_server.zone.queries == []  # no lookup at all
    event = AuditEvent.get(AuditEvent.action == "domain.verified")
    assert (event.actor_label, event.details) == (
        "cli",
        {"domain": "acme.example.com", "method": "skip_dns"},
    )


def test_verify_needs_a_claim_and_skip_dns_still_keeps_one_owner(runner, org, other_org):
    unclaimed = run(runner, "domain", "verify", "--org", "acme", "--domain", "acme.example.com")
    assert unclaimed.exit_code == 1 and "run `domain add` first" in unclaimed.output
    run(runner, "domain", "add", "--org", "acme", "--domain", "acme.example.com")
    run(runner, "domain", "add", "--org", "globex", "--domain", "acme.example.com")
    run(runner, "domain", "verify", "--org", "acme", "--domain", "acme.example.com", "--skip-dns")
    second = run(
        runner, "domain", "verify", "--org", "globex", "--domain", "acme.example.com", "--skip-dns"
    )
    assert second.exit_code == 1 and "already belongs to another organization" in second.output
    globex = EmailDomain.get(EmailDomain.organization == other_org)
    assert globex.status == "pending"


def test_sso_configure_claims_the_domain_unverified_and_show_lists_it(
    runner, org, discovery_server
):
    result = run(
        runner,
        "sso",
        "configure",
        "--org",
        "acme",
        "--issuer",
        discovery_server.url,
        "--client-id",
        "0oa9",
        "--email-domain",
        "acme.example.com",
    )
    assert result.exit_code == 0, result.output
    assert (EmailDomain.get().domain, EmailDomain.get().status) == ("acme.example.com", "pending")
    shown = run(runner, "sso", "show", "--org", "acme").output
    assert "email_domains: acme.example.com (pending)" in shown
