"""Secrets taken out of a SCIM body before any of it is kept or applied.

Okta pushes a ``password`` in every create and, with Sync Password on, in updates; we never
accept Okta's password sync, so the value is stored nowhere: not in the request log, not
in a failed migration, and the directory never sees it. Redaction goes by SCIM attribute,
not by one key spelling: a key or a PATCH ``path`` names the attribute in any case,
bare (``password``) or URN-qualified (``urn:ietf:params:scim:schemas:core:2.0:User:password``),
and may sit in a path-less PATCH value or in an object under a schema URN
(RFC 7644 §3.5.2, §3.10). A PATCH operation on a secret is dropped whole (a kept ``op``
without its value could not be replayed from the failed-migrations page).
"""

import re

SECRET_ATTRIBUTES = frozenset({"password", "token", "secret", "client_secret", "api_token"})
# "urn:...:User:" before an attribute: everything up to the last colon ahead of any filter.
_URN_PREFIX = re.compile(r"^urn:[^\[\]]*:", re.IGNORECASE)
_ATTRIBUTE_END = re.compile(r"[.\[\s]")


def secret_attribute(name) -> str | None:
    """The secret a key or PATCH path names (``"password"``), else None."""
    if not isinstance(name, str):
        return None
    text = _URN_PREFIX.sub("", name.strip()).lower()
    attribute = _ATTRIBUTE_END.split(text, maxsplit=1)[0]
    return attribute if attribute in SECRET_ATTRIBUTES else None


def _operation_secret(node) -> str | None:
    """The secret a PATCH operation targets through its ``path`` (any key case)."""
    if not isinstance(node, dict):
        return None
    path = next((v for k, v in node.items() if str(k).lower() == "path"), None)
    return secret_attribute(path)


def strip_secrets(body) -> tuple[object, set[str]]:
    """A copy of ``body`` without secrets, and the names of those it held.

    Walked with a stack, not recursion: a body may be nested as deep as the JSON parser
    allowed, and redaction must never be what fails."""
    removed: set[str] = set()
    root: list = [None]
    stack = [(body, root, 0)]
    while stack:
        node, parent, slot = stack.pop()
        if isinstance(node, dict):
            parent[slot] = copy = {}
            target = _operation_secret(node)
            for key, value in node.items():
                name = secret_attribute(key) or (target if str(key).lower() == "value" else None)
                if name:
                    removed.add(name)
                    continue
                copy[key] = None  # keeps the key order; filled when popped
                stack.append((value, copy, key))
        elif isinstance(node, list):
            parent[slot] = copy = []
            for item in node:
                name = _operation_secret(item)
                if name:
                    removed.add(name)
                    continue
                copy.append(None)
                stack.append((item, copy, len(copy) - 1))
        else:
            parent[slot] = node
    return root[0], removed


def redact(body):
    """``body`` without its secrets."""
    return strip_secrets(body)[0]


def strip_operations(operations: list[tuple]) -> tuple[list[tuple], set[str]]:
    """Validated PATCH operations ``(op, path, value)`` without those on a secret and
    without secrets inside the values that remain."""
    kept, removed = [], set()
    for kind, path, value in operations:
        name = secret_attribute(path)
        if name:
            removed.add(name)
            continue
        clean, inside = strip_secrets(value)
        kept.append((kind, path, clean))
        removed |= inside
    return kept, removed
