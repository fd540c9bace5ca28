"""A refused write is recorded whatever it carried: a userName of 300 kB (the fuzz
corpus's) is clipped to the failure row's columns instead of failing the record (on
PostgreSQL, whose varchar limits SQLite does not enforce, it was a SCIM 500)."""

from wizard.db import database
from wizard.domain import failures
from wizard.domain.failure_reasons import FailureReason
from wizard.domain.organizations import create_organization
from wizard.domain.sources import Source
from wizard.models import FailedMigration

HUGE = "u" * 300_000


def refuse(org, **who):
    return failures.record(
        org,
        source=Source.SCIM,
        reason=FailureReason.INVALID_DATA,
        operation="create",
        message="Missing a work email.",
        request={"method": "POST", "path": "/Users", "body": {"userName": HUGE}},
        **who,
    )


def test_oversized_values_are_recorded_clipped_on_either_engine(any_db_app):
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        who = {"user_name": HUGE, "email": "e" * 1000, "display_name": "D" * 500}
        first = refuse(org, **who)
        again = refuse(org, **who)  # the same refusal again: one row, counted twice
        row = FailedMigration.get_by_id(first.id)
        assert again.id == first.id and row.attempts == 2
        assert row.user_name == HUGE[:254] and row.user_name_key == HUGE[:254]
        assert (len(row.email), len(row.display_name)) == (254, 240)
        assert row.request["body"]["userName"] == HUGE  # the replayable request, whole


def test_a_clipped_name_still_resolves_its_row(any_db_app):
    """Creating the member later resolves the row, as it would an unclipped one."""
    with any_db_app.app_context(), database.connection_context():
        org = create_organization("Acme", "acme", enterprise_enabled=True)
        row = refuse(org, user_name=HUGE)
        failures.resolve_for_user(org, HUGE, note="created")
        assert FailedMigration.get_by_id(row.id).status == "resolved"
