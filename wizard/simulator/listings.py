"""What Simulated Okta's management API keeps to answer listings as Okta does: the users
with their ids in order for paging, and each group's ``lastMembershipUpdated``."""

import threading
import time


class Users(dict):
    """Okta users by id, which also keeps their ids as a list for paging: copying the ids
    of 100,000 users for every page (4.7 ms) made the emulator, not the sync, the slower
    side of a 100,000-user re-sync. A user's id joins or leaves the list only when a user
    is added or removed; replacing one keeps its place, as in a dict."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._ids: list[str] | None = None

    def ids(self) -> list[str]:
        ids = self._ids
        if ids is None:
            ids = self._ids = list(self)
        return ids

    def __setitem__(self, user_id, user):
        if user_id not in self:
            self._ids = None
        super().__setitem__(user_id, user)

    def __delitem__(self, user_id):
        self._ids = None
        super().__delitem__(user_id)

    def pop(self, *args):
        self._ids = None
        return super().pop(*args)

    def popitem(self):
        self._ids = None
        return super().popitem()

    def clear(self):
        self._ids = None
        super().clear()

    def update(self, *args, **kwargs):
        self._ids = None
        super().update(*args, **kwargs)

    def setdefault(self, user_id, user=None):
        if user_id not in self:
            self._ids = None
        return super().setdefault(user_id, user)

    def __ior__(self, other):
        self._ids = None
        return super().__ior__(other)


class MembershipStamps:
    """Each group's ``lastMembershipUpdated``: a new time whenever its member list differs
    from the one last listed, however the list was changed (the tests, the simulator's
    console, a deleted user), as Okta stamps every change."""

    def __init__(self):
        self._seen: dict[str, tuple[tuple[str, ...], int]] = {}  # group id -> (members, ms)
        self._last = 0
        self._lock = threading.Lock()

    def of(self, group_id: str, members) -> str:
        members = tuple(members)
        with self._lock:
            seen = self._seen.get(group_id)
            if seen is None or seen[0] != members:
                # Strictly later than any stamp before it, even within one millisecond.
                self._last = max(int(time.time() * 1000), self._last + 1)
                seen = self._seen[group_id] = (members, self._last)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seen[1] // 1000))
        return f"{stamp}.{seen[1] % 1000:03d}Z"
