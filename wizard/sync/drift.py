"""Drift: what Okta's SCIM push should have done here and did not. While SCIM is live the
sync applies nothing and reports this instead (``Outcome.drift``)."""

from ..domain.sources import Source
from ..models import Member, OktaConnection, fold
from .okta_state import INACTIVE, OktaState
from .outcome import PREVIEW_LIMIT, Outcome


def report_drift(connection: OktaConnection, state: OktaState, outcome: Outcome) -> None:
    """With SCIM live the sync changes nothing: it lists what SCIM should have done."""
    organization = connection.organization
    members = {
        m.okta_id or m.external_id: m
        for m in Member.select().where((Member.organization == organization) & ~Member.scim_hidden)
    }
    by_name = {m.user_name_key: m for m in members.values() if m.user_name_key}
    assigned = set()
    for okta_id, user in state.users.items():
        login = (user.get("profile") or {}).get("login", "")
        member = members.get(okta_id) or by_name.get(fold(login))
        active = user.get("status") not in INACTIVE
        if member is None and active:
            _drift(
                outcome,
                "never_arrived",
                login,
                "Assigned in Okta but never provisioned: in "
                "Okta, open the app's Assignments and use Provision User (or re-assign).",
            )
        elif member is not None:
            assigned.add(member.id)
            if member.active and not active:
                _drift(
                    outcome,
                    "removal_never_came",
                    login,
                    "Deactivated in Okta but still active here: apply here or re-push.",
                )
    for member in members.values():
        if member.managed_by == Source.SCIM and member.active and member.id not in assigned:
            _drift(
                outcome,
                "removal_never_came",
                member.user_name or member.email,
                "Active here but no longer assigned in Okta: unassign sends the deactivation.",
            )


def _drift(outcome, kind, who, fix):
    outcome.counts["drift"] += 1
    if len(outcome.drift) < PREVIEW_LIMIT:
        outcome.drift.append({"kind": kind, "who": who, "fix": fix})
