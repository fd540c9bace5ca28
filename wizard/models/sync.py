"""The pull sync's runs: queued, claimed, running, finished, with what each did."""

import peewee as pw

from .base import BaseModel, JSONField, utcnow
from .organization import Organization


class SyncRun(BaseModel):
    """One pull sync: queued by the schedule or *Sync now*, claimed through a lease so two
    schedulers never run one organization at once; a run whose lease lapses was killed."""

    organization = pw.ForeignKeyField(Organization, backref="sync_runs", on_delete="CASCADE")
    trigger = pw.CharField(max_length=10)  # schedule | manual | cli
    dry_run = pw.BooleanField(default=False)
    status = pw.CharField(max_length=10, default="queued")  # queued running succeeded failed
    queued_at = pw.DateTimeField(default=utcnow)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)
    lease_owner = pw.CharField(max_length=80, default="")
    lease_expires_at = pw.DateTimeField(null=True)
    progress_done = pw.IntegerField(default=0)
    progress_total = pw.IntegerField(default=0)
    counts = JSONField(default=dict)
    api_calls = pw.IntegerField(default=0)
    drift = JSONField(default=list)
    held = JSONField(default=list)  # deactivations held back for an admin's approval
    preview = JSONField(default=list)  # a dry run's per-member plan
    error = pw.TextField(default="")

    class Meta:
        indexes = (
            (("organization", "status"), False),
            (("status", "queued_at"), False),
        )


class OktaGroupSnapshot(BaseModel):
    """Who Okta listed in one of its groups when the sync last read the group's members,
    and the group's ``lastMembershipUpdated`` at that read (Okta's own timestamp, kept as
    Okta wrote it). While Okta still gives that timestamp, the group's members have not
    changed and the sync uses these instead of reading them again (wizard/sync/
    group_snapshots.py). The ids are Okta's, unfiltered: who is in scope is decided on
    every run. Kept per organization and org URL: nothing is shared between tenants."""

    organization = pw.ForeignKeyField(Organization, backref="+", on_delete="CASCADE")
    org_url = pw.CharField(max_length=500)
    okta_group_id = pw.CharField(max_length=64)
    membership_updated = pw.CharField(max_length=40)
    member_ids = JSONField(default=list)
    read_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "okta_group_id"), True),)
