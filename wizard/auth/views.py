"""Sign-in, sign-out and the member's own account page."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from .. import security_headers
from ..domain import accounts, audit, password_links
from ..extensions import limiter
from ..permissions import Action, member_may
from ..sso import configurations as sso_configurations
from . import fresh, sessions, sign_in
from .forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    SetPasswordForm,
)

bp = Blueprint("auth", __name__)
SIGN_IN_LIMIT = "10 per minute"  # per client address: slows password guessing


def safe_next(target: str | None) -> str | None:
    """A local path to go back to, or None for anything off-site (``//evil``, ``https://``)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target


def home_for(member) -> str:
    if member.is_staff:
        return url_for("support.organizations_list")
    if member_may(member, Action.VIEW_DIRECTORY):
        return url_for("org.dashboard")
    return url_for("auth.account")


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def login():
    """Email first: an SSO organization's domain goes to its Okta, others get the
    password form (home-realm discovery)."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    security_headers.allow("form-action", *security_headers.OKTA_DOMAINS)  # see its docstring
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        if not form.password.data:
            connection = sign_in.sso_connection_for_email(form.email.data)
            if connection is not None:
                return _to_okta(connection, sign_in.okta_start_url(connection, form))
            form.password.errors.append("Enter your password.")
        else:
            response = _password_sign_in(form)
            if response is not None:
                return response
    status = 401 if form.password.errors else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form), status


def _to_okta(connection, target: str):
    """Straight to the organization's Okta when the sign-in form's policy lets the
    redirect through; a custom Okta domain gets a page that continues there."""
    if security_headers.sign_in_form_allows(sso_configurations.live(connection).issuer):
        return redirect(target)
    return render_template("auth/continue.html", target=target)


def _password_sign_in(form):
    member = accounts.authenticate(form.email.data, form.password.data)
    if member is None:
        form.password.errors.append("The email or password is not correct.")
        return None
    try:
        break_glass = sign_in.check_password_allowed(member)
    except sign_in.PasswordRefused as refused:
        form.password.errors.append(str(refused))
        return None
    sessions.sign_in(member, sessions.SignInMethod.PASSWORD)
    accounts.record_sign_in(member)
    action = "auth.break_glass_used" if break_glass else "auth.sign_in"
    audit.record_request(
        action, organization=member.organization, target=member, details={"method": "password"}
    )
    return redirect(safe_next(form.next.data) or home_for(member))


@bp.post("/logout")
@login_required
def logout():
    audit.record_request(
        "auth.sign_out",
        organization=current_user.organization,
        target=current_user._get_current_object(),
    )
    okta_logout = sign_in.okta_logout_url(sessions.sso_state())
    sessions.sign_out()
    if okta_logout:
        return redirect(okta_logout)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/account")
@login_required
def account():
    return render_template(
        "auth/account.html",
        member=current_user,
        password_form=ChangePasswordForm(),
        okta_link_slug=sign_in.okta_link_slug(current_user),
    )


@bp.route("/account/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def confirm():
    """Prove it is you again before a critical action: the password, or Okta."""
    member = current_user._get_current_object()
    form = ConfirmForm(next=request.args.get("next", ""))
    target = safe_next(form.next.data) or url_for("auth.account")
    password_counts = sign_in.password_counts(member)
    if password_counts and form.validate_on_submit():
        if accounts.check_member_password(member, form.password.data):
            fresh.mark_authenticated()
            audit.record_request("auth.confirmed", organization=member.organization, target=member)
            return redirect(target)
        form.password.errors.append("The password is not correct.")
    okta = sign_in.okta_reauth_url(member, target)
    refused = request.method == "POST" and not password_counts
    page = render_template(
        "auth/confirm.html", form=form, okta_url=okta, password_counts=password_counts
    )
    return page, (401 if form.errors or refused else 200)


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    member = current_user._get_current_object()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                member,
                form.current_password.data,
                form.new_password.data,
                keep_session=sessions.current_record(),
            )
        except accounts.AccountError as exc:
            form.current_password.errors.append(str(exc))
        else:
            audit.record_request(
                "account.password_changed", organization=member.organization, target=member
            )
            login_user(member)  # keep this session; the others ended with the new version
            flash("Your password is changed. Your other sessions are signed out.", "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        member=member,
        password_form=form,
    ), 400


@bp.post("/account/sessions/end")
@login_required
def end_sessions():
    member = current_user._get_current_object()
    accounts.end_all_sessions(member)
    audit.record_request("account.sessions_ended", organization=member.organization, target=member)
    sessions.sign_out(sessions.SessionEnd.ENDED_EVERYWHERE)
    flash("You are signed out everywhere.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/set-password/<token>", methods=["GET", "POST"])
def set_password_link(token: str):
    """The one-time link a converted member got from their admin."""
    link = password_links.find(token)
    if link is None:
        return render_template(
            "errors/error.html",
            code=410,
            title="This link is not valid",
            message="It was used already or has expired. Ask your admin for a new one.",
        ), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            redeemed = password_links.redeem(link, form.new_password.data)
        except accounts.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            if not redeemed:  # another request used it a moment ago
                return render_template(
                    "errors/error.html",
                    code=410,
                    title="This link is not valid",
                    message="It was used already or has expired. Ask your admin for a new one.",
                ), 410
            audit.record_request(
                "account.password_set_by_link",
                organization=link.member.organization,
                target=link.member,
            )
            flash("Your password is set. Sign in with it.", "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, member=link.member)
