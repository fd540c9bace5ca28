"""What one sync run did or, for a dry run, would do: counts, a preview of the changes,
the drift it found and the deactivations it held."""

from dataclasses import dataclass, field

PREVIEW_LIMIT = 1000


@dataclass
class Outcome:
    counts: dict = field(
        default_factory=lambda: dict.fromkeys(
            (
                "created",
                "updated",
                "deactivated",
                "reactivated",
                "held",
                "failed",
                "unchanged",
                "groups_created",
                "memberships_changed",
                "drift",
            ),
            0,
        )
    )
    drift: list = field(default_factory=list)
    held: list = field(default_factory=list)
    preview: list = field(default_factory=list)

    def note(self, action: str, who: str, detail: str = ""):
        if len(self.preview) < PREVIEW_LIMIT:
            self.preview.append({"action": action, "who": who, "detail": detail})
