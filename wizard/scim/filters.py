"""SCIM filters (RFC 7644 §3.4.2.2) parsed by scim2-filter-parser and translated into
Peewee expressions over our columns, so every filter is one indexed SQL query.

Attribute names are case-insensitive (RFC 7643 §2.1); string values compare
case-insensitively unless the attribute is ``caseExact`` (``id``, ``externalId``).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

import peewee as pw
from scim2_filter_parser import ast
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser

from ..models import fold
from .errors import ScimError

TRUE, FALSE = pw.SQL("1 = 1"), pw.SQL("1 = 0")
# Percent-encoded, a filter of this length still fits the request line gunicorn reads
# (gunicorn.conf.py: 8,190 bytes), so a filter we accept always reaches us, and a longer
# one that fits gets this SCIM error rather than the server's own page.
MAX_FILTER_LENGTH = 2000
# Each and, or, not, (...) and [...] is a level (a chain of 32 conditions is 63 deep).
# Translating a filter recurses, and SQLite's parser overflows at about 100 nested
# expressions ("parser stack overflow").
MAX_FILTER_DEPTH = 64


@dataclass(frozen=True)
class Attr:
    """How one SCIM attribute maps to SQL. ``kind``: ``key`` (a casefolded ``*_key``
    column), ``ci`` (case-insensitive text), ``exact``, ``bool``, ``datetime``,
    ``const`` (a fixed value, e.g. our single email's type), ``subquery`` (a multi-valued
    reference: ``column(value)`` is the ``eq`` test, ``value()`` the ``pr`` test)."""

    kind: str
    column: object = None
    value: object = None


class UnreadableFilter(ValueError):
    """A filter refused before anything uses it; the message is written for Okta's admin."""


def parse_tree(text: str) -> ast.Filter:
    """The parsed filter, within the length and nesting limits (also for PATCH paths)."""
    if len(text) > MAX_FILTER_LENGTH:
        raise UnreadableFilter(
            f"The filter is {len(text):,} characters long; at most {MAX_FILTER_LENGTH:,}."
        )
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
    except Exception:  # the parser raises bare Exceptions and its own errors alike
        tree = None
    if tree is None:
        raise UnreadableFilter(f"Cannot parse the filter {text!r}.")
    depth = nesting_depth(tree)
    if depth > MAX_FILTER_DEPTH:
        raise UnreadableFilter(
            f"The filter nests {depth} levels deep; at most {MAX_FILTER_DEPTH} "
            "(each and, or, not, (...) and [...] is a level)."
        )
    return tree


def nesting_depth(tree: ast.AST) -> int:
    """How deep ``and``/``or``/``not``/``[...]`` nest, walked without recursion."""
    deepest, stack = 0, [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, ast.Filter | ast.LogExpr):
            depth += 1
            deepest = max(deepest, depth)
        for name in getattr(node, "_fields", ()):
            child = getattr(node, name, None)
            if isinstance(child, ast.AST):
                stack.append((child, depth))
    return deepest


def equality_values(tree: ast.AST, attribute: str) -> list[str] | None:
    """The values of ``attribute eq "a" or attribute eq "b" ...`` (any spacing or case),
    else None: the one filter shape that names elements without reading them."""
    if isinstance(tree, ast.Filter) and not tree.negated and tree.namespace is None:
        return equality_values(tree.expr, attribute)
    if isinstance(tree, ast.LogExpr) and tree.op.lower() == "or":
        left, right = equality_values(tree.expr1, attribute), equality_values(tree.expr2, attribute)
        return None if left is None or right is None else left + right
    if isinstance(tree, ast.AttrExpr) and tree.value.lower() == "eq" and tree.comp_value:
        path = tree.attr_path
        named = isinstance(path.attr_name, str) and path.attr_name.lower() == attribute
        if named and path.sub_attr is None and not path.uri:
            return [str(tree.comp_value.value)]
    return None


def to_expression(text: str, attributes: dict) -> pw.Expression:
    """The Peewee expression for filter ``text`` over ``attributes`` (lowercased paths)."""
    try:
        tree = parse_tree(text)
    except UnreadableFilter as exc:
        raise ScimError(400, str(exc), "invalidFilter") from None
    return _Translator(attributes).filter(tree, namespace="")


class _Translator:
    def __init__(self, attributes: dict):
        self.attributes = attributes

    def filter(self, node, namespace: str):
        if isinstance(node, ast.Filter):
            if node.namespace is not None:  # emails[type eq "work"]: inner paths under emails
                inner = self.filter(node.expr, self._base(node.namespace))
            else:
                inner = self.filter(node.expr, namespace)
            return ~inner if node.negated else inner
        if isinstance(node, ast.LogExpr):
            left = self.filter(node.expr1, namespace)
            right = self.filter(node.expr2, namespace)
            return (left & right) if node.op.lower() == "and" else (left | right)
        if isinstance(node, ast.AttrExpr):
            return self.comparison(node, namespace)
        raise ScimError(400, "Unsupported filter expression.", "invalidFilter")

    def comparison(self, node: ast.AttrExpr, namespace: str):
        path = node.attr_path
        if isinstance(path.attr_name, ast.Filter):
            # emails[type eq "work"].value eq "x": the element filter AND the sub-attribute test
            element = path.attr_name
            outer = self._base(element.namespace)
            sub = element.namespace.sub_attr.value if element.namespace.sub_attr else "value"
            selector = self.filter(element.expr, outer)
            return selector & self._compare(f"{outer}.{sub.lower()}", node)
        return self._compare(self._path(path, namespace), node)

    @staticmethod
    def _base(path: ast.AttrPath) -> str:
        """The multi-valued attribute a value filter applies to (``emails``)."""
        name = path.attr_name.lower()
        return f"{path.uri.lower()}:{name}" if path.uri else name

    def _path(self, path: ast.AttrPath, namespace: str) -> str:
        name = path.attr_name.lower()
        if path.sub_attr is not None:
            name = f"{name}.{path.sub_attr.value.lower()}"
        if path.uri:
            name = f"{path.uri.lower()}:{name}"
        return f"{namespace}.{name}" if namespace else name

    def _compare(self, name: str, node: ast.AttrExpr):
        attr = self.attributes.get(name) or self.attributes.get(name.split(":")[-1])
        if attr is None:
            raise ScimError(400, f"Filtering on {name!r} is not supported.", "invalidFilter")
        op = node.value.lower()
        raw = node.comp_value.value if node.comp_value is not None else None
        if op == "pr":
            return _present(attr)
        if raw is None:
            raise ScimError(400, f"The {op} operator needs a value.", "invalidFilter")
        return _COMPARE[attr.kind](attr, op, raw)


def _present(attr: Attr):
    if attr.kind in ("bool", "const"):
        return TRUE
    if attr.kind == "subquery":
        return attr.value()  # at least one element (RFC 7644 §3.4.2.2: non-empty)
    return (
        attr.column.is_null(False) & (attr.column != "")
        if attr.kind != "datetime"
        else (attr.column.is_null(False))
    )


def _text(column, op: str, value: str):
    if op == "eq":
        return column == value
    if op == "ne":
        return column != value
    if op == "co":
        return column.contains(value)
    if op == "sw":
        return column.startswith(value)
    if op == "ew":
        return column.endswith(value)
    if op in ("gt", "ge", "lt", "le"):
        return {
            "gt": column > value,
            "ge": column >= value,
            "lt": column < value,
            "le": column <= value,
        }[op]
    raise ScimError(400, f"Unknown filter operator {op!r}.", "invalidFilter")


def _key(attr, op, value):
    return _text(attr.column, op, fold(value))


def _ci(attr, op, value):
    return _text(pw.fn.LOWER(attr.column), op, value.lower())


def _exact(attr, op, value):
    return _text(attr.column, op, value)


def _bool(attr, op, value):
    if op not in ("eq", "ne") or value.lower() not in ("true", "false"):
        raise ScimError(400, "Booleans support only eq and ne with true or false.", "invalidFilter")
    wanted = (value.lower() == "true") == (op == "eq")
    return attr.column == wanted


def _datetime(attr, op, value):
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ScimError(400, f"{value!r} is not an ISO 8601 date-time.", "invalidFilter") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    if op not in ("eq", "ne", "gt", "ge", "lt", "le"):
        raise ScimError(400, f"Dates do not support {op!r}.", "invalidFilter")
    return _text(attr.column, op, moment)


def _const(attr, op, value):
    constant = str(attr.value).lower()
    result = {
        "eq": constant == value.lower(),
        "ne": constant != value.lower(),
        "co": value.lower() in constant,
        "sw": constant.startswith(value.lower()),
        "ew": constant.endswith(value.lower()),
    }.get(op)
    if result is None:
        raise ScimError(400, f"Operator {op!r} is not supported here.", "invalidFilter")
    return TRUE if result else FALSE


def _subquery(attr, op, value):
    if op != "eq":
        raise ScimError(400, "Only eq is supported on members.", "invalidFilter")
    return attr.column(value)


_COMPARE = {
    "key": _key,
    "ci": _ci,
    "exact": _exact,
    "bool": _bool,
    "datetime": _datetime,
    "const": _const,
    "subquery": _subquery,
}
