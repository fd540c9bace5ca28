"""The session check flask-login runs on each request: the version must match."""

from ..models import Member


def load_member(session_id: str) -> Member | None:
    """The member for a session id ``"<id>:<session version>"``, if still valid."""
    member_id, _, version = session_id.partition(":")
    if not member_id.isdigit() or not version.isdigit():
        return None
    member = Member.get_or_none(Member.id == int(member_id))
    if member is None or not member.active or member.session_version != int(version):
        return None
    return member
