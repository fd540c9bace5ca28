"""Discovery (RFC 7644 §4, schemas per RFC 7643 §7): exactly what this server supports.

Okta does not call these for classic provisioning, but other clients and test tools
do, and they document our attributes for admins. Every document is built by scim2-models
(schemas.py); only the ``meta`` of each depends on the request (its location).
"""

from types import ModuleType

from .blueprint import base_url, bp
from .errors import ScimError, scim_response
from .protocol import list_response


def _documents() -> ModuleType:
    """schemas.py, imported on first use: scim2-models costs about a second to import,
    and only these rarely called routes need it."""
    from . import schemas

    return schemas


def _with_meta(document: dict, resource_type: str, path: str) -> dict:
    return {**document, "meta": _documents().meta(resource_type, f"{base_url()}/{path}")}


def _schema(urn: str) -> dict:
    return _with_meta(_documents().schema_documents()[urn], "Schema", f"Schemas/{urn}")


def _resource_types() -> list[dict]:
    return [
        _with_meta(document, "ResourceType", f"ResourceTypes/{document['id']}")
        for document in _documents().resource_type_documents()
    ]


@bp.post("/.search")
def search_everything():
    raise ScimError(
        501,
        "Searching several resource types at once is not supported: use "
        "POST /Users/.search or /Groups/.search, or GET with a filter.",
    )


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    config = _documents().service_provider_config(f"{base_url().split('/scim/')[0]}/docs/scim")
    return scim_response(_with_meta(config, "ServiceProviderConfig", "ServiceProviderConfig"))


@bp.get("/ResourceTypes")
def resource_types():
    types = _resource_types()
    return scim_response(list_response(types, len(types), 1))


@bp.get("/ResourceTypes/<name>")
def resource_type(name):
    for item in _resource_types():
        if item["id"].lower() == name.lower():
            return scim_response(item)
    raise ScimError(404, f"Resource type {name} not found.")


@bp.get("/Schemas")
def schemas():
    items = [_schema(urn) for urn in _documents().schema_documents()]
    return scim_response(list_response(items, len(items), 1))


@bp.get("/Schemas/<path:urn>")
def schema(urn):
    for known in _documents().schema_documents():
        if known.lower() == urn.lower():
            return scim_response(_schema(known))
    raise ScimError(404, f"Schema {urn} not found.")
