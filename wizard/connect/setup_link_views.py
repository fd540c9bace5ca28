"""A setup link's way in (``/setup/<token>``): the IT person an EnterpriseAdmin lends
it to reaches the Okta steps of one organization, after saying Continue."""

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user

from ..auth import sessions
from ..domain import audit, setup_links
from ..extensions import limiter
from ..security_headers import shown_once
from .views import bp


@bp.get("/setup/<token>")
@limiter.limit("20 per hour")
def open_setup_link(token: str):
    """An IT person's way in: the link's organization, the Okta steps only. Everyone is
    asked first, with the organization and who lent the link named: someone signed in
    would lose their session, and someone sent a stranger's link (a phishing mail) would
    otherwise land in that stranger's wizard and type their own Okta settings into it."""
    link = setup_links.find(token)
    if link is None:
        return _invalid_setup_link()
    setup_links.hold_pending(link)
    response = shown_once(
        render_template(
            "connect/setup_link_confirm.html", organization=link.organization, link=link
        )
    )
    response.headers["Referrer-Policy"] = "no-referrer"  # the address holds the token
    return response


@bp.post("/setup/continue")
def continue_setup_link():
    """The signed-in visitor chose Continue: sign them out here, then open the link."""
    link = setup_links.pending()
    if link is None:
        return _invalid_setup_link()
    if current_user.is_authenticated:
        member = current_user._get_current_object()
        audit.record_request(
            "auth.sign_out",
            organization=member.organization,
            target=member,
            details={"reason": sessions.SessionEnd.SETUP_LINK},
        )
        sessions.sign_out(sessions.SessionEnd.SETUP_LINK)
    return _enter_with(link)


def _invalid_setup_link():
    return render_template(
        "errors/error.html",
        code=410,
        title="This setup link is not valid",
        message="It has expired or was revoked. Ask your admin for a new one.",
    ), 410


def _enter_with(link):
    session.clear()
    session[setup_links.SESSION_KEY] = link.id
    setup_links.note_use(link)
    audit.record(
        "setup_link.used",
        organization=link.organization,
        actor_label=f"setup link {link.id}",
        target=link,
        ip=request.remote_addr or "",
    )
    return redirect(url_for("connect.step", slug="apps"))
