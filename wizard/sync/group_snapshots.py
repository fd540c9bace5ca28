"""Okta groups whose members the sync need not read again.

Okta stamps every group with ``lastMembershipUpdated``, the time its membership last
changed (and lets a client list groups changed since a time with it). A re-sync used to
read every group's members, one call per group: 2,000 of a 100,000-user re-sync's 3,010
calls, and, against Okta's rate limits, the longest part of a large tenant's sync. Now a
group keeps the members the last read found while Okta gives the same timestamp.

What keeps this safe:
- the snapshot is what Okta listed, unfiltered; who is in scope (assigned to the app,
  active) is decided again on every run, and the groups are applied from it every run,
  so a run that failed after reading loses nothing;
- a group without the timestamp, or with any other value than the one stored, is read;
- a snapshot is used for at most ``MAX_AGE``, so every group is read in full at least
  once a week whatever Okta stamps;
- it belongs to one organization and one org URL: pointing the connection at another
  Okta org, or another tenant connecting the same one, reads everything.
"""

from datetime import datetime, timedelta

from ..db import chunks, database, one_of, write_transaction
from ..models import OktaGroupSnapshot

MAX_AGE = timedelta(days=7)
SAVED_PER_STATEMENT = 200  # rows per INSERT: well under SQLite's bound-parameter limit


def stamp_of(group: dict) -> str | None:
    stamp = group.get("lastMembershipUpdated")
    return stamp if isinstance(stamp, str) and 0 < len(stamp) <= 40 else None


class Snapshots:
    """The organization's stored snapshots for the Okta org at ``org_url``, read once."""

    def __init__(self, organization_id: int, org_url: str, now: datetime):
        self.organization_id, self.org_url, self.now = organization_id, org_url, now
        rows = database.execute(
            OktaGroupSnapshot.select(
                OktaGroupSnapshot.okta_group_id,
                OktaGroupSnapshot.org_url,
                OktaGroupSnapshot.membership_updated,
                OktaGroupSnapshot.member_ids,
                OktaGroupSnapshot.read_at,
            ).where(OktaGroupSnapshot.organization == organization_id)
        ).fetchall()
        self.stored = {group_id for group_id, *_ in rows}
        read_at_value = OktaGroupSnapshot.read_at.python_value  # SQLite's rows hold text
        self.fresh = {
            group_id: (stamp, member_ids)  # member_ids still JSON text: parsed when used
            for group_id, url, stamp, member_ids, read_at in rows
            if url == org_url and read_at_value(read_at) >= now - MAX_AGE
        }

    def members(self, group: dict) -> list[str] | None:
        """The group's Okta member ids as last read, if Okta says they have not changed
        since; None when they must be read."""
        stamp = stamp_of(group)
        kept = self.fresh.get(group["id"])
        if stamp is None or kept is None or kept[0] != stamp:
            return None
        return OktaGroupSnapshot.member_ids.python_value(kept[1])

    def save(self, groups: list[dict], read: dict[str, list[str]]) -> None:
        """Keep what was ``read`` (Okta group id -> member ids) for the groups Okta
        stamps, and forget the groups Okta no longer lists."""
        listed = {group["id"] for group in groups}
        gone = sorted(self.stored - listed)
        stamps = {group["id"]: stamp_of(group) for group in groups}
        new = [
            (group_id, stamp, read[group_id])
            for group_id, stamp in stamps.items()
            if group_id in read and stamp is not None
        ]
        replaced = sorted({group_id for group_id in read if group_id in self.stored})
        if not (gone or new or replaced):
            return
        with write_transaction():
            for part in chunks(gone + replaced, 500):
                OktaGroupSnapshot.delete().where(
                    (OktaGroupSnapshot.organization == self.organization_id)
                    & one_of(OktaGroupSnapshot.okta_group_id, part)
                ).execute()
            for part in chunks(new, SAVED_PER_STATEMENT):
                OktaGroupSnapshot.insert_many(
                    [
                        {
                            "organization": self.organization_id,
                            "org_url": self.org_url,
                            "okta_group_id": group_id,
                            "membership_updated": stamp,
                            "member_ids": member_ids,
                            "read_at": self.now,
                        }
                        for group_id, stamp, member_ids in part
                    ]
                ).execute()
