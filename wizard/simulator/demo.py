"""``flask demo`` with Simulated Okta on: the demo organization's email domain (the
simulated people's, demo.example.com) is verified as ``domain verify --skip-dns`` would
(it is a reserved name no DNS can prove), so its people can sign in with Okta."""

from flask import current_app

from ..domain import audit, email_domains
from ..domain import email_domain_verification as verification
from ..models import Organization
from .mounting import DOMAIN


def prepare_demo(organization: Organization) -> list[str]:
    """The lines ``flask demo`` prints about Simulated Okta."""
    claim, _ = email_domains.claim(organization, DOMAIN)
    if claim.status != email_domains.DomainStatus.VERIFIED:
        check = verification.verify_without_dns(claim)
        audit.record(
            check.audit_action or "domain.verified",
            organization=organization,
            actor_label="cli",
            target=claim,
            details={"domain": claim.domain, "method": email_domains.VerifyMethod.SKIP_DNS},
        )
    url = current_app.config["SIMULATED_OKTA_URL"]
    return [
        f"Simulated Okta: {url}/ (development only; {DOMAIN} verified for its people)",
    ]
