"""docs/security.md "What is audited" names every action the code records: a new audit
event without its line in the document fails here."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIT_CALLS = {"record", "record_request", "record_many"}


def documented_actions() -> set[str]:
    text = (ROOT / "docs" / "security.md").read_text()
    section = text.split("## What is audited", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"`([a-z_]+\.[a-z_]+)`", section))


def recorded_patterns() -> dict[str, str]:
    """Each first argument of an audit call under wizard/, as a regex ("sync.held_{}d"
    from an f-string becomes sync\\.held_.*d), with where it is."""
    found = {}
    for path in (ROOT / "wizard").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in AUDIT_CALLS:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found[re.escape(first.value)] = f"{path.relative_to(ROOT)}:{node.lineno}"
            elif isinstance(first, ast.JoinedStr):
                parts = [
                    re.escape(v.value) if isinstance(v, ast.Constant) else ".+"
                    for v in first.values
                ]
                found["".join(parts)] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_every_recorded_action_is_documented():
    documented = documented_actions()
    missing = [
        f"{where}: {pattern}"
        for pattern, where in recorded_patterns().items()
        if "." in pattern and not any(re.fullmatch(pattern, action) for action in documented)
    ]
    assert not missing, "audit actions not in docs/security.md: " + ", ".join(missing)


def test_the_check_sees_literal_and_formatted_actions():
    patterns = recorded_patterns()
    assert r"auth\.sign_in" in patterns
    assert any(p.startswith(r"failed_migration\.") for p in patterns)  # an f-string
