"""Integrations > Okta > Single sign-on's sign-in rules: require Okta sign-in, the
break-glass admin, just-in-time accounts (an EnterpriseAdmin, freshly signed in)."""

from flask import flash, redirect, url_for

from ..domain import audit
from ..domain.roles import OrgRole
from ..permissions import Action, requires
from ..sso import enforcement
from ..sso.members import JIT_ROLES
from .blueprint import bp
from .forms import EnforcementForm
from .gate import connection


@bp.post("/okta/enforcement")
@requires(Action.MANAGE_SIGN_IN_RULES)
def set_enforcement():
    link = connection()
    form = enforcement_form(link)
    if form.validate_on_submit():
        try:
            changes = enforcement.set_enforcement(
                link,
                enforced=form.enforced.data,
                jit=form.jit.data,
                jit_role=OrgRole.parse(form.jit_role.data),
                break_glass_id=form.break_glass.data or None,
            )
        except enforcement.EnforcementError as exc:
            flash(str(exc), "error")
        else:
            audit.record_request(
                "sso.enforcement_changed",
                organization=link.organization,
                target=link,
                details=changes,
            )
            flash("Sign-in settings saved.", "success")
    return redirect(url_for("integrations.sso", _anchor="sign-in-rules"))


def enforcement_form(connection, **kwargs) -> EnforcementForm:
    form = EnforcementForm(
        enforced=connection.sign_in_policy.sso_enforced,
        jit=connection.sign_in_policy.jit_enabled,
        jit_role=connection.sign_in_policy.jit_role,
        break_glass=connection.sign_in_policy.break_glass_id or 0,
        **kwargs,
    )
    choices = [(m.id, m.email) for m in enforcement.break_glass_candidates(connection)]
    form.break_glass.choices = [(0, "Nobody"), *choices]
    form.jit_role.choices = [(role.value_name, role.label) for role in JIT_ROLES]
    return form
