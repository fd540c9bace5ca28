"""The wizard's steps and the progress kept on the connection, so an admin can leave
and resume where they stopped."""

from dataclasses import dataclass

from ..models import OktaConnection, utcnow


@dataclass(frozen=True)
class Step:
    slug: str
    title: str


STEPS = (
    Step("permissions", "Okta permissions"),
    Step("apps", "Add the apps in Okta"),
    Step("sso", "Single sign-on"),
    Step("credentials", "Provisioning credentials"),
    Step("settings", "Provisioning settings"),
    Step("assign", "Assign people"),
    Step("push", "Push groups"),
    Step("finish", "Finish setup"),
)
SLUGS = [step.slug for step in STEPS]


def done_steps(connection: OktaConnection) -> list[str]:
    return list((connection.wizard_state or {}).get("done", []))


def mark_done(connection: OktaConnection, slug: str, **values) -> None:
    """Record a finished step (and any values the step collected)."""
    state = dict(connection.wizard_state or {})
    done = [s for s in SLUGS if s in set(state.get("done", [])) | {slug}]
    state.update(values, done=done)
    connection.wizard_state = state
    connection.updated_at = utcnow()
    connection.save()


def resume_step(connection: OktaConnection) -> str:
    done = set(done_steps(connection))
    return next((slug for slug in SLUGS if slug not in done), SLUGS[-1])


def neighbours(slug: str) -> tuple[str | None, str | None]:
    index = SLUGS.index(slug)
    previous = SLUGS[index - 1] if index else None
    following = SLUGS[index + 1] if index + 1 < len(SLUGS) else None
    return previous, following


def stepper(connection: OktaConnection, current: str) -> list[dict]:
    """Each step as done / current / to do, for the stepper at the top of every page."""
    done = set(done_steps(connection))
    return [
        {
            "slug": step.slug,
            "title": step.title,
            "number": number,
            "state": "current"
            if step.slug == current
            else ("done" if step.slug in done else "todo"),
        }
        for number, step in enumerate(STEPS, start=1)
    ]
