"""One vocabulary each for failure reasons and for sources (who manages a record): an
enum holds every value with its label and its SCIM answer, and no module or template
spells a value as a bare string where the vocabulary is meant."""

import ast
import re
from pathlib import Path

import pytest

from wizard.directory import DirectoryError
from wizard.domain.failure_reasons import FailureReason
from wizard.domain.sources import GrantSource, Source
from wizard.scim.errors import from_directory_error

ROOT = Path(__file__).resolve().parent.parent
WIZARD = ROOT / "wizard"
HOMES = {WIZARD / "domain" / "failure_reasons.py", WIZARD / "domain" / "sources.py"}
SOURCE_VALUES = {s.value for s in Source} | {s.value for s in GrantSource}
REASON_VALUES = {r.value for r in FailureReason}
VALUES = SOURCE_VALUES | REASON_VALUES
# Where a source or reason is meant: these keyword arguments, attributes and dict keys.
VOCABULARY_NAMES = {"managed_by", "source", "reason"}


def python_modules():
    for path in sorted(WIZARD.rglob("*.py")):
        if "migrations" not in path.parts and path not in HOMES:
            yield path


def _named(node) -> str | None:
    """The vocabulary name an expression reads (``x.managed_by``, ``row["reason"]``)."""
    if isinstance(node, ast.Attribute) and node.attr in VOCABULARY_NAMES:
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        return node.slice.value if node.slice.value in VOCABULARY_NAMES else None
    return None


def _literals(node) -> list[ast.Constant]:
    """The string constants of a constant or a tuple, list or set of constants."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [c for element in node.elts for c in _literals(element)]
    return []


def _candidates(node) -> list[ast.Constant]:
    """The constants in ``node`` that stand where a source or reason is meant."""
    if isinstance(node, ast.keyword) and node.arg in VOCABULARY_NAMES:
        return _literals(node.value)
    if isinstance(node, ast.Compare):
        sides = [node.left, *node.comparators]
        return [c for side in sides for c in _literals(side)] if any(map(_named, sides)) else []
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DirectoryError":
        return _literals(node.args[0]) if node.args else []
    if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "in_":
        return [c for arg in node.args for c in _literals(arg)] if _named(node.func.value) else []
    if isinstance(node, ast.Dict):
        keys = [c for key in node.keys if key is not None for c in _literals(key)]
        known = [c for c in keys if c.value in VALUES]
        found = known if len(known) > 1 and 2 * len(known) >= len(node.keys) else []
        for key, value in zip(node.keys, node.values, strict=True):
            if any(c.value in VOCABULARY_NAMES for c in _literals(key)):
                found += _literals(value)
        return found
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = _literals(node)
        values = {c.value for c in items}
        if len(items) == len(node.elts) and items and values <= REASON_VALUES:
            return items
        if len(items) == len(node.elts) > 1 and values <= SOURCE_VALUES:
            return items
    return []


def bare_vocabulary(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, value) of every source or reason spelled as a bare string where the
    vocabulary is meant: a ``managed_by=``/``source=``/``reason=`` argument, a comparison
    with such an attribute, a ``DirectoryError`` reason, a table keyed by reasons or
    sources, or a tuple of them."""
    constants = {id(c): c for node in ast.walk(tree) for c in _candidates(node)}
    found = [(c.lineno, c.col_offset, c.value) for c in constants.values() if c.value in VALUES]
    return [(line, value) for line, _, value in sorted(found)]


def test_no_module_spells_a_source_or_reason_as_a_bare_string():
    """Sources and reasons are named by their enum (``Source.SCIM``,
    ``FailureReason.LICENSE_LIMIT``) everywhere outside their home: a bare string is a
    second home that a new value or a rename would miss."""
    offenders = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in python_modules()
        for line, value in bare_vocabulary(ast.parse(path.read_text(), str(path)))
    ]
    assert offenders == []


TEMPLATE_BARE = re.compile(
    r"\b(managed_by|source|reason)\s*[!=]=\s*['\"]|\{\s*['\"](scim|sync|jit|local|manual|mapping)['\"]\s*:"
)


def test_no_template_spells_a_source_or_reason_as_a_bare_string():
    """Templates compare with the enums registered as globals (``Source.LOCAL``)."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if TEMPLATE_BARE.search(line)
    ]
    assert offenders == []


def test_the_check_catches_a_bare_string():
    """The checker itself: each shape it guards is caught, the enum is not."""
    caught = bare_vocabulary(
        ast.parse(
            "member.managed_by = x\n"
            "create(managed_by='scim')\n"
            "if failure.reason == 'unknown_member': pass\n"
            "raise DirectoryError('license_limit', 'no seat')\n"
            "Member.managed_by.in_(('scim', 'sync'))\n"
            "LABELS = {'duplicate_email': 'Duplicate', 'invalid_data': 'Invalid'}\n"
            "TAKES_OVER = ('sync', 'local', 'jit')\n"
            "row = {'reason': 'unknown_member'}\n"
            "create(managed_by=Source.SCIM)\n"
        )
    )
    assert [line for line, _ in caught] == [2, 3, 4, 5, 5, 6, 6, 7, 7, 7, 8]


@pytest.mark.parametrize("reason", list(FailureReason), ids=str)
def test_every_reason_has_a_label_a_description_and_a_scim_answer(reason):
    """A reason is one line: its label, description and SCIM answer sit beside it."""
    assert reason.label and reason.description
    assert 200 <= reason.status < 600
    error = from_directory_error(DirectoryError(reason, "why"))
    if reason.status >= 400:
        assert (error.status, error.scim_type) == (reason.status, reason.scim_type)


def test_every_recorded_reason_is_in_the_inbox_filter(client, auth, admin):
    """The inbox offers each reason a failed migration can have, labelled, and filters
    by it; a reason that is never recorded (a plain conflict) is not offered."""
    auth.login()
    page = client.get("/team/failed-migrations").text
    offered = dict(re.findall(r'<option value="([a-z_]+)"[^>]*>([^<]+)</option>', page))
    assert {k: v for k, v in offered.items() if k in REASON_VALUES} == {
        reason.value: reason.label for reason in FailureReason if reason.recorded
    }
    for reason in FailureReason.in_inbox():
        chosen = client.get(f"/team/failed-migrations?reason={reason.value}").text
        assert re.search(rf'<option value="{reason.value}" selected', chosen), reason


def test_every_source_has_a_label():
    assert all(source.label for source in Source)
    assert all(source.label for source in GrantSource)
