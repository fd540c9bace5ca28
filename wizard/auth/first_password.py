"""A first password, set by the member: the way out for someone converted to local
management whose one-time link was withheld (another EnterpriseAdmin converted them
without mail). Signed in, and after a fresh sign-in (Okta's, while it is connected), a
locally managed member without a password sets one on their own. A stolen session
cookie is not enough: the fresh sign-in is."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user

from ..domain import accounts, audit
from ..domain.sources import Source
from . import fresh, sessions
from .forms import SetPasswordForm
from .views import bp


@bp.route("/account/password/first", methods=["GET", "POST"])
@login_required
def set_first_password():
    member = current_user._get_current_object()
    if not may_set_first_password(member):
        abort(403)
    if not fresh.is_fresh():
        return fresh.ask_to_confirm()
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password(
                member, form.new_password.data, keep_session=sessions.current_record()
            )
        except accounts.AccountError as exc:
            form.new_password.errors.append(str(exc))
        else:
            audit.record_request(
                "account.password_set", organization=member.organization, target=member
            )
            login_user(member)  # keep this session; set_password ended the others
            flash("Your password is set: you can sign in with it now.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/set_password.html", form=form, member=member), (
        400 if form.errors else 200
    )


def may_set_first_password(member) -> bool:
    """Locally managed members without a password; Okta's members have Okta's."""
    return (
        not member.is_staff and member.managed_by == Source.LOCAL and member.password_hash is None
    )
