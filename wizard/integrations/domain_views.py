"""Integrations > Okta > Email domains: claim a domain, see the TXT record that proves
it, verify it now, remove it. Everyone who may see Integrations reads the list; only an
EnterpriseAdmin changes it, since a verified domain decides whose Okta signs people in."""

from flask import flash, redirect, url_for

from ..domain import audit
from ..domain import email_domain_verification as domain_verification
from ..domain import email_domains as domains
from ..models import EmailDomain
from ..permissions import Action, requires
from ..tenancy import own
from .blueprint import bp
from .forms import DomainForm
from .gate import enterprise_organization
from .tabs import hub_page

PAGE = "integrations.domains_page"
# Templates name statuses by their enum (DomainStatus.VERIFIED), never a bare string.
bp.add_app_template_global(domains.DomainStatus, "DomainStatus")
bp.add_app_template_global(domains.VerifyMethod, "VerifyMethod")


def _claim(claim_id: int) -> EmailDomain:
    """A claim of the signed-in member's organization; 403 without the Enterprise feature."""
    enterprise_organization()
    return own(EmailDomain, EmailDomain.id == claim_id)


def _page(form: DomainForm, status: int = 200):
    organization = enterprise_organization()
    claims = domains.claims_of(organization)
    return hub_page(
        "sso",
        "integrations/domains.html",
        form=form,
        claims=[(claim, domain_verification.record_for(claim)) for claim in claims],
        notices=domain_verification.notices(organization),
        grace_days=domain_verification.GRACE.days,
    ), status


@bp.get("/okta/domains")
@requires(Action.VIEW_INTEGRATIONS)
def domains_page():
    return _page(DomainForm())


@bp.post("/okta/domains")
@requires(Action.MANAGE_DOMAINS)
def add_domain():
    form = DomainForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        claim, created = domains.claim(enterprise_organization(), form.domain.data)
    except domains.DomainError as error:
        form.domain.errors.append(str(error))
        return _page(form, 400)
    if created:
        audit.record_request(
            "domain.claimed",
            organization=claim.organization,
            target=claim,
            details={"domain": claim.domain},
        )
    flash(f"Create the TXT record shown for {claim.domain}, then click Verify now.", "info")
    return redirect(url_for(PAGE))


@bp.post("/okta/domains/<int:claim_id>/verify")
@requires(Action.MANAGE_DOMAINS)
def verify_domain(claim_id: int):
    claim = _claim(claim_id)
    check = domain_verification.check_now(claim)
    if check.audit_action:
        audit.record_request(
            check.audit_action,
            organization=claim.organization,
            target=claim,
            details={"domain": claim.domain, "method": domains.VerifyMethod.DNS},
        )
    flash(check.message, "success" if check.ok else "error")
    return redirect(url_for(PAGE))


@bp.post("/okta/domains/<int:claim_id>/remove")
@requires(Action.MANAGE_DOMAINS)
def remove_domain(claim_id: int):
    claim = _claim(claim_id)
    domains.remove(claim)
    audit.record_request(
        "domain.removed",
        organization=claim.organization,
        target=claim,
        details={"domain": claim.domain, "status": claim.status},
    )
    flash(f"{claim.domain} is removed: it no longer routes sign-ins here.", "success")
    return redirect(url_for(PAGE))
