"""PATCH (RFC 7644 §3.5.2) applied to a SCIM resource held as a dict.

A user PATCH is applied to the user's current SCIM representation and the result goes
through the same path as a PUT, so both verbs share every rule. Every shape Okta sends
is handled: path-less ``replace`` with a value object (``{"active": false}``, dotted
keys), attribute paths, value-path filters (``emails[type eq "work"].value``), URN
prefixes, ``add``/``remove``, ``op`` in any case.
"""

import re
from dataclasses import dataclass

from scim2_filter_parser import ast

from .errors import ScimError
from .filters import MAX_FILTER_LENGTH, UnreadableFilter, parse_tree
from .mapping import ENTERPRISE_SCHEMA, OUR_SCHEMA, USER_SCHEMA

EXTENSIONS = {ENTERPRISE_SCHEMA.lower(): ENTERPRISE_SCHEMA, OUR_SCHEMA.lower(): OUR_SCHEMA}
READ_ONLY = {"id", "meta", "schemas", "groups"}
MULTI_VALUED = {"emails", "phonenumbers", "addresses", "groups", "members"}
PATH = re.compile(
    r"^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>.+)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)
# The work one PATCH may ask for. It is read and checked before the write lock, but
# applied inside it, so it must be small: operations (each attribute of a path-less value
# object and each element of a list value counting as one) and the length of a path.
MAX_OPERATIONS = 1000
MAX_PATH_LENGTH = MAX_FILTER_LENGTH
UNSUPPORTED = "unsupported extension"


@dataclass(frozen=True)
class Step:
    """One attribute change of a user PATCH, read and checked before any lock is taken.

    A path is at most ``[schema URN:]attribute[value filter][.subAttribute]``; a path-less
    (or URN-only) operation's value object names such paths, one URN level deep."""

    kind: str  # add | replace | remove
    urn: str | None  # the extension holding the attribute; None: the core schema
    attr: str = ""  # "": the whole extension (remove)
    element_filter: ast.Filter | None = None
    filter_text: str = ""
    sub: str | None = None
    value: object = None


def operations(body: dict) -> list[tuple[str, str | None, object]]:
    """The body's operations as ``(op, path, value)``, validated (op in any case)."""
    ops = next((v for k, v in body.items() if k.lower() == "operations"), None)
    if not isinstance(ops, list) or not ops:
        raise ScimError(400, "A PATCH needs a non-empty Operations list.", "invalidSyntax")
    _check_budget(len(ops))
    result = []
    for op in ops:
        if not isinstance(op, dict):
            raise ScimError(400, "Each operation must be an object.", "invalidSyntax")
        fields = {str(k).lower(): v for k, v in op.items()}
        kind = str(fields.get("op") or "").lower()
        if kind not in ("add", "replace", "remove"):
            raise ScimError(
                400,
                f"Unknown PATCH op {fields.get('op')!r}: use add, replace or remove.",
                "invalidSyntax",
            )
        path = fields.get("path")
        if path is not None and not isinstance(path, str):
            raise ScimError(400, "path must be a string.", "invalidPath")
        if kind == "remove" and not path:
            raise ScimError(400, "A remove operation needs a path.", "noTarget")
        if kind != "remove" and "value" not in fields:
            raise ScimError(400, f"The {kind} operation needs a value.", "invalidValue")
        result.append((kind, path.strip() if path else None, fields.get("value")))
    return result


def compile_user_patch(ops: list[tuple[str, str | None, object]]) -> list[Step]:
    """The attribute changes ``ops`` make, every path read and every value filter parsed."""
    steps: list[Step] = []
    work = 0
    for kind, path, value in ops:
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(
                    400, "A PATCH without a path needs an object value.", "invalidValue"
                )
            _check_budget(work + len(value))
            new = [step for key, item in value.items() for step in _steps(kind, str(key), item)]
        else:
            new = _steps(kind, path, value)
        work += sum(len(s.value) if isinstance(s.value, list) else 1 for s in new)
        _check_budget(work)
        steps.extend(new)
    return steps


def _check_budget(work: int) -> None:
    if work > MAX_OPERATIONS:
        raise ScimError(
            400,
            f"A PATCH holds at most {MAX_OPERATIONS:,} operations (each attribute of a "
            f"path-less value and each element of a list value counting as one); this one "
            f"holds {work:,}. Send the changes in several requests.",
            "tooMany",
        )


def _steps(kind: str, path: str, value, under: str | None = "") -> list[Step]:
    """The steps for one path; ``under``: the URN of the value object naming it ("" at
    the top, None for the core schema)."""
    if len(path) > MAX_PATH_LENGTH:
        raise ScimError(
            400, f"A PATCH path is at most {MAX_PATH_LENGTH:,} characters.", "invalidPath"
        )
    urn, rest, qualified = _split_urn(path)
    if qualified and under != "":
        raise ScimError(
            400, f"A PATCH path names one schema URN at most: {path[:200]!r}.", "invalidPath"
        )
    if under != "":
        if rest == "":  # an empty key: it would name the same object again, and again
            raise ScimError(400, "A PATCH value object has an empty attribute name.", "invalidPath")
        urn = under
    if urn == UNSUPPORTED:
        return []  # an extension we do not support: ignored, as for unknown attributes
    if rest == "":
        if kind == "remove":
            return [Step(kind, urn)]  # the whole extension
        if not isinstance(value, dict):
            return []
        return [step for key, item in value.items() for step in _steps(kind, str(key), item, urn)]
    attr, tree, text, sub = value_path(rest, path)
    if attr.lower() in READ_ONLY:
        return []  # Okta echoes id/meta/schemas; read-only input is ignored (RFC 7643 §3.1)
    return [Step(kind, urn, attr, tree, text, sub, value)]


def value_path(rest: str, path: str) -> tuple[str, ast.Filter | None, str, str | None]:
    """``attribute[value filter].sub`` (RFC 7644 §3.5.2 ``valuePath``) as ``(attribute,
    parsed filter or None, filter text, sub-attribute or None)``; ``path`` for errors."""
    match = PATH.match(rest)
    if not match:
        raise ScimError(400, f"Cannot read the PATCH path {path[:200]!r}.", "invalidPath")
    text = match["filter"] or ""
    return match["attr"], _parse_filter(text) if text else None, text, match["sub"]


def _split_urn(path: str) -> tuple[str | None, str, bool]:
    """``(extension URN or None for the core or UNSUPPORTED, the rest, had a URN)``."""
    lowered = path.lower()
    if lowered.startswith(USER_SCHEMA.lower()):
        return None, path[len(USER_SCHEMA) :].lstrip(":"), True
    for urn_lower, urn in EXTENSIONS.items():
        if lowered.startswith(urn_lower):
            return urn, path[len(urn) :].lstrip(":"), True
    if lowered.startswith("urn:"):
        return UNSUPPORTED, "", True
    return None, path, False


def apply(resource: dict, steps: list[Step]) -> dict:
    """Apply compiled steps to ``resource`` (the member as it is inside the lock)."""
    for step in steps:
        container = _container(resource, step)
        if container is None:
            continue
        if not step.attr:
            resource.pop(_key(resource, step.urn), None)  # the whole extension
            continue
        key = _key(container, step.attr)
        if step.element_filter is not None:
            _apply_to_elements(container, key, step)
        elif step.sub:
            _apply_sub(container, key, step.kind, step.sub, step.value)
        else:
            _apply_plain(container, key, step.kind, step.value)
    return resource


def _container(resource: dict, step: Step) -> dict | None:
    """The dict the step's attribute lives in (an extension object made on first use)."""
    if step.urn is None:
        return resource
    key = _key(resource, step.urn)
    if not isinstance(resource.get(key), dict):
        if step.kind == "remove":
            return None
        resource[key] = {}
    return resource[key]


def _key(container: dict, attr: str) -> str:
    for existing in container:
        if existing.lower() == attr.lower():
            return existing
    return attr


def _apply_plain(container: dict, key: str, kind: str, value) -> None:
    if kind == "remove":
        container.pop(key, None)
    elif kind == "add" and key.lower() in MULTI_VALUED and isinstance(container.get(key), list):
        additions = value if isinstance(value, list) else [value]
        container[key] = container[key] + [v for v in additions if v not in container[key]]
    elif kind == "add" and isinstance(container.get(key), dict) and isinstance(value, dict):
        container[key].update(value)
    else:
        container[key] = value


def _apply_sub(container: dict, key: str, kind: str, sub: str, value) -> None:
    target = container.get(key)
    if key.lower() in MULTI_VALUED and isinstance(target, list):
        for element in target:
            if isinstance(element, dict):
                _apply_plain(element, _key(element, sub), kind, value)
        return
    if not isinstance(target, dict):
        if kind == "remove":
            return
        target = container[key] = {}
    _apply_plain(target, _key(target, sub), kind, value)


def _apply_to_elements(container: dict, key: str, step: Step) -> None:
    kind, sub, value, tree = step.kind, step.sub, step.value, step.element_filter
    elements = container.get(key)
    matches = [e for e in elements or [] if isinstance(e, dict) and _matches(e, tree)]
    if kind == "remove":
        if sub:
            for element in matches:
                element.pop(_key(element, sub), None)
        else:
            container[key] = [e for e in elements or [] if e not in matches]
        return
    if not matches:
        if kind == "add" or sub:
            # e.g. emails[type eq "home"].value on a user without one: add the element
            element = _element_from_filter(tree)
            if sub:
                element[sub] = value
            elif isinstance(value, dict):
                element.update(value)
            container[key] = [*(elements or []), element]
            return
        raise ScimError(400, f"No {key} element matches [{step.filter_text}].", "noTarget")
    for element in matches:
        if sub:
            element[_key(element, sub)] = value
        elif isinstance(value, dict):
            element.update(value)


def _parse_filter(text: str) -> ast.Filter:
    try:
        return parse_tree(text)
    except UnreadableFilter as exc:
        raise ScimError(400, f"Cannot read the value filter: {exc}", "invalidPath") from None


def _element_from_filter(tree) -> dict:
    """``type eq "home"`` -> ``{"type": "home"}`` (only simple equality filters)."""
    expr = tree.expr if isinstance(tree, ast.Filter) else tree
    if isinstance(expr, ast.AttrExpr) and expr.value.lower() == "eq" and expr.comp_value:
        return {expr.attr_path.attr_name: expr.comp_value.value}
    raise ScimError(400, "No element matches the value filter.", "noTarget")


def _matches(element: dict, node) -> bool:
    if isinstance(node, ast.Filter):
        result = _matches(element, node.expr)
        return not result if node.negated else result
    if isinstance(node, ast.LogExpr):
        left, right = _matches(element, node.expr1), _matches(element, node.expr2)
        return (left and right) if node.op.lower() == "and" else (left or right)
    if isinstance(node, ast.AttrExpr):
        name = node.attr_path.attr_name
        if not isinstance(name, str):
            raise ScimError(400, "Nested value filters are not supported.", "invalidPath")
        actual = next((v for k, v in element.items() if k.lower() == name.lower()), None)
        op = node.value.lower()
        if op == "pr":
            return actual not in (None, "", [])
        wanted = str(node.comp_value.value).lower()
        text = str(actual).lower() if actual is not None else None
        return {
            "eq": text == wanted,
            "ne": text != wanted,
            "co": text is not None and wanted in text,
            "sw": text is not None and text.startswith(wanted),
            "ew": text is not None and text.endswith(wanted),
            "gt": text is not None and text > wanted,
            "ge": text is not None and text >= wanted,
            "lt": text is not None and text < wanted,
            "le": text is not None and text <= wanted,
        }.get(op, False)
    return False
