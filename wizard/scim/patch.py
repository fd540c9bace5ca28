"""PATCH (RFC 7644 §3.5.2) applied to a SCIM resource held as a dict.

A user PATCH is applied to the user's current SCIM representation and the result goes
through the same path as a PUT, so both verbs share every rule. Every shape Okta sends
is handled: path-less ``replace`` with a value object (``{"active": false}``, dotted
keys), attribute paths, value-path filters (``emails[type eq "work"].value``), URN
prefixes, ``add``/``remove``, ``op`` in any case.
"""

import re

from scim2_filter_parser import ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from .errors import ScimError
from .mapping import ENTERPRISE_SCHEMA, OUR_SCHEMA, USER_SCHEMA

EXTENSIONS = {ENTERPRISE_SCHEMA.lower(): ENTERPRISE_SCHEMA, OUR_SCHEMA.lower(): OUR_SCHEMA}
READ_ONLY = {"id", "meta", "schemas", "groups"}
MULTI_VALUED = {"emails", "phonenumbers", "addresses", "groups", "members"}
PATH = re.compile(
    r"^(?P<attr>[A-Za-z$][\w$-]*)(?:\[(?P<filter>.+)\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)
MAX_OPERATIONS = 10_000


def operations(body: dict) -> list[tuple[str, str | None, object]]:
    """The body's operations as ``(op, path, value)``, validated (op in any case)."""
    ops = next((v for k, v in body.items() if k.lower() == "operations"), None)
    if not isinstance(ops, list) or not ops:
        raise ScimError(400, "A PATCH needs a non-empty Operations list.", "invalidSyntax")
    if len(ops) > MAX_OPERATIONS:
        raise ScimError(400, f"At most {MAX_OPERATIONS} operations per PATCH.", "tooMany")
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


def apply(resource: dict, ops: list[tuple[str, str | None, object]]) -> dict:
    for kind, path, value in ops:
        if path is None:
            if not isinstance(value, dict):
                raise ScimError(
                    400, "A PATCH without a path needs an object value.", "invalidValue"
                )
            for key, item in value.items():
                _apply_path(resource, kind, str(key), item)
        else:
            _apply_path(resource, kind, path, value)
    return resource


def _apply_path(resource: dict, kind: str, path: str, value) -> None:
    container, rest = _container(resource, kind, path)
    if container is None:
        return  # an extension we do not support: ignored, as for unknown attributes
    if rest == "" and kind == "remove":
        resource.pop(_key(resource, path), None)  # the whole extension
        return
    if rest == "":
        if isinstance(value, dict) and kind != "remove":
            for key, item in value.items():
                _apply_path(container, kind, str(key), item)
        return
    match = PATH.match(rest)
    if not match:
        raise ScimError(400, f"Cannot read the PATCH path {path!r}.", "invalidPath")
    attr, element_filter, sub = match["attr"], match["filter"], match["sub"]
    if attr.lower() in READ_ONLY:
        return  # Okta echoes id/meta/schemas; read-only input is ignored (RFC 7643 §3.1)
    key = _key(container, attr)
    if element_filter:
        _apply_to_elements(container, key, kind, element_filter, sub, value)
    elif sub:
        if "." in sub:
            raise ScimError(400, f"Cannot read the PATCH path {path!r}.", "invalidPath")
        _apply_sub(container, key, kind, sub, value)
    else:
        _apply_plain(container, key, kind, value)


def _container(resource: dict, kind: str, path: str) -> tuple[dict | None, str]:
    """The dict the path addresses and the rest of the path (URN prefixes resolved)."""
    lowered = path.lower()
    if lowered.startswith(USER_SCHEMA.lower()):
        return resource, path[len(USER_SCHEMA) :].lstrip(":")
    for urn_lower, urn in EXTENSIONS.items():
        if lowered.startswith(urn_lower):
            key = _key(resource, urn)
            if not isinstance(resource.get(key), dict):
                if kind == "remove":
                    return None, ""
                resource[key] = {}
            return resource[key], path[len(urn) :].lstrip(":")
    if lowered.startswith("urn:"):
        return None, ""
    return resource, path


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


def _apply_to_elements(container, key, kind, element_filter, sub, value) -> None:
    elements = container.get(key)
    tree = _parse_filter(element_filter)
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
        raise ScimError(400, f"No {key} element matches [{element_filter}].", "noTarget")
    for element in matches:
        if sub:
            element[_key(element, sub)] = value
        elif isinstance(value, dict):
            element.update(value)


def _parse_filter(text: str) -> ast.Filter:
    try:
        return SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception:
        raise ScimError(400, f"Cannot read the value filter [{text}].", "invalidPath") from None


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
