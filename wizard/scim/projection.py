"""``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5, §3.9) over a resource.

Names are read as RFC 7644 §3.10 writes them: ``userName``, ``name.givenName``, or fully
qualified with the schema URN, ``urn:…:core:2.0:User:userName`` and, for an extension,
``urn:…:enterprise:2.0:User:department`` (the extension's object is keyed by its URN,
RFC 7643 §3.3). A name becomes a path of lowercased steps, ``(urn, "department")``, and
the projection walks the resource along it, into complex and multi-valued attributes.
"""

from dataclasses import dataclass

from .mapping import ENTERPRISE_SCHEMA, GROUP_SCHEMA, OUR_SCHEMA, USER_SCHEMA

# Returned whatever is asked (RFC 7643 §3.1: "returned" is "always" for id; schemas and
# meta carry what a client needs to read the rest).
ALWAYS_RETURNED = {"id", "schemas", "meta"}
CORE_SCHEMAS = (USER_SCHEMA.lower(), GROUP_SCHEMA.lower())
EXTENSION_SCHEMAS = (ENTERPRISE_SCHEMA.lower(), OUR_SCHEMA.lower())

Path = tuple[str, ...]


def attribute_path(name: str) -> Path:
    """``name`` as lowercased steps; an extension's URN is the first step."""
    lowered = name.strip().lower()
    for urn in CORE_SCHEMAS:
        if lowered.startswith(urn + ":"):
            return tuple(lowered[len(urn) + 1 :].split("."))
    for urn in EXTENSION_SCHEMAS:
        if lowered == urn:
            return (urn,)
        if lowered.startswith(urn + ":"):
            return (urn, *lowered[len(urn) + 1 :].split("."))
    return tuple(lowered.split("."))


def attribute_paths(argument: str | None) -> set[Path]:
    """The comma-separated names of an ``attributes`` argument, as paths."""
    return {attribute_path(name) for name in (argument or "").split(",") if name.strip()}


@dataclass(frozen=True)
class Projection:
    """What one request asks for; ``attributes`` wins when both are given."""

    included: frozenset[Path]
    excluded: frozenset[Path]

    @classmethod
    def of(cls, attributes: str | None, excluded_attributes: str | None) -> "Projection":
        return cls(
            frozenset(attribute_paths(attributes)), frozenset(attribute_paths(excluded_attributes))
        )

    def wants(self, name: str) -> bool:
        """False when the request leaves top-level ``name`` out (a costly part)."""
        name = name.lower()
        if self.included:
            return any(path[0] == name for path in self.included)
        return (name,) not in self.excluded

    def apply(self, resource: dict) -> dict:
        if self.included:
            return _include(resource, self.included, top=True)
        if self.excluded:
            return _exclude(resource, self.excluded, top=True)
        return resource


def _below(paths, key: str) -> set[Path]:
    return {path[1:] for path in paths if path[0] == key.lower()}


def _include(value: dict, paths, *, top: bool = False) -> dict:
    result = {}
    for key, item in value.items():
        if top and key.lower() in ALWAYS_RETURNED:
            result[key] = item
            continue
        below = _below(paths, key)
        if () in below:
            result[key] = item
        elif below and isinstance(item, dict | list):  # a scalar has no sub-attributes
            picked = _each(item, lambda element, b=below: _include(element, b))
            if picked not in ({}, []):
                result[key] = picked
    return result


def _exclude(value: dict, paths, *, top: bool = False) -> dict:
    result = {}
    for key, item in value.items():
        below = _below(paths, key)
        if top and key.lower() in ALWAYS_RETURNED:
            result[key] = item
        elif () not in below:
            result[key] = (
                _each(item, lambda element, b=below: _exclude(element, b)) if below else item
            )
    return result


def _each(item, project):
    """``project`` on a complex value, or on each element of a multi-valued one."""
    if isinstance(item, dict):
        return project(item)
    if isinstance(item, list):
        projected = [project(element) if isinstance(element, dict) else element for element in item]
        return [element for element in projected if element != {}]
    return item
