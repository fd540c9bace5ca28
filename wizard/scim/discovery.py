"""Discovery (RFC 7644 §4, schemas per RFC 7643 §7): exactly what this server supports.

Okta does not call these for classic provisioning, but other clients and test tools
do, and they document our attributes for admins.
"""

from .blueprint import base_url, bp
from .errors import ScimError, scim_response
from .mapping import ENTERPRISE_SCHEMA, GROUP_SCHEMA, OUR_SCHEMA, USER_SCHEMA
from .protocol import MAX_RESULTS, list_response

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def attribute(
    name,
    type_="string",
    *,
    multi=False,
    required=False,
    case_exact=False,
    mutability="readWrite",
    returned="default",
    uniqueness="none",
    sub=None,
    description="",
    canonical=None,
):
    item = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": returned,
        "uniqueness": uniqueness,
    }
    if sub:
        item["subAttributes"] = sub
    if canonical:
        item["canonicalValues"] = canonical
    return item


def _multi(name, description, required=False):
    return attribute(
        name,
        "complex",
        multi=True,
        required=required,
        description=description,
        sub=[
            attribute("value", required=required, description="The value."),
            attribute(
                "type",
                description="work, home, mobile, ...",
                canonical=["work", "home", "mobile", "other"],
            ),
            attribute("primary", "boolean", description="The primary value."),
        ],
    )


USER_ATTRIBUTES = [
    attribute(
        "userName",
        required=True,
        uniqueness="server",
        description="Unique per organization, matched case-insensitively, case kept.",
    ),
    attribute(
        "name",
        "complex",
        required=True,
        description="The member's name.",
        sub=[
            attribute("givenName", required=True, description="First name (seed 001: required)."),
            attribute("familyName", required=True, description="Last name (seed 001: required)."),
        ],
    ),
    attribute("displayName", description="Name shown in lists."),
    _multi("emails", "The primary (or work) email; unique per organization.", required=True),
    _multi("phoneNumbers", "Phone numbers."),
    attribute("title", description="Job title."),
    attribute("active", "boolean", description="false deactivates and ends sessions."),
    attribute(
        "groups",
        "complex",
        multi=True,
        mutability="readOnly",
        description="Groups the member belongs to (change them through /Groups).",
        sub=[
            attribute("value", mutability="readOnly"),
            attribute("display", mutability="readOnly"),
        ],
    ),
]
ENTERPRISE_ATTRIBUTES = [
    attribute("employeeNumber", description="Employee number."),
    attribute("department", description="Department."),
    attribute(
        "manager",
        "complex",
        description="The member's manager.",
        sub=[attribute("value", description="Manager's id.")],
    ),
]
OUR_ATTRIBUTES = [
    attribute(
        "role",
        canonical=["ReadOnly", "User", "Admin", "EnterpriseAdmin"],
        description="Organization role; absent means sign-in only (no role).",
    ),
]
GROUP_ATTRIBUTES = [
    attribute(
        "displayName",
        required=True,
        uniqueness="server",
        description="Group name; unique per organization, any case.",
    ),
    attribute(
        "members",
        "complex",
        multi=True,
        description="Members (user ids).",
        sub=[
            attribute("value", mutability="immutable", description="The user's id."),
            attribute("display", mutability="readOnly", description="The user's userName."),
            attribute("type", mutability="immutable", canonical=["User"]),
        ],
    ),
]
SCHEMAS = {
    USER_SCHEMA: ("User", "A member of the organization.", USER_ATTRIBUTES),
    ENTERPRISE_SCHEMA: ("EnterpriseUser", "Enterprise extension.", ENTERPRISE_ATTRIBUTES),
    OUR_SCHEMA: ("OktaConnectorUser", "Roles given through Okta.", OUR_ATTRIBUTES),
    GROUP_SCHEMA: ("Group", "A group pushed from Okta.", GROUP_ATTRIBUTES),
}


def _schema(urn: str) -> dict:
    name, description, attributes = SCHEMAS[urn]
    meta = {"resourceType": "Schema", "location": f"{base_url()}/Schemas/{urn}"}
    return {
        "schemas": [SCHEMA_SCHEMA],
        "id": urn,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": meta,
    }


def _resource_types() -> list[dict]:
    return [
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Members",
            "schema": USER_SCHEMA,
            "schemaExtensions": [
                {"schema": ENTERPRISE_SCHEMA, "required": False},
                {"schema": OUR_SCHEMA, "required": False},
            ],
            "meta": {
                "resourceType": "ResourceType",
                "location": f"{base_url()}/ResourceTypes/User",
            },
        },
        {
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Groups",
            "schema": GROUP_SCHEMA,
            "schemaExtensions": [],
            "meta": {
                "resourceType": "ResourceType",
                "location": f"{base_url()}/ResourceTypes/Group",
            },
        },
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
    return scim_response(
        {
            "schemas": [SPC_SCHEMA],
            "documentationUri": f"{base_url().split('/scim/')[0]}/docs/scim",
            "patch": {"supported": True},
            "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": True, "maxResults": MAX_RESULTS},
            "changePassword": {"supported": False},
            "sort": {"supported": False},
            "etag": {"supported": True},
            "authenticationSchemes": [
                {
                    "type": "oauthbearertoken",
                    "name": "Bearer token",
                    "primary": True,
                    "description": "Authorization: Bearer <token> from the Connect Okta wizard "
                    "(a bare token and Basic with the connection key also work).",
                },
            ],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": f"{base_url()}/ServiceProviderConfig",
            },
        }
    )


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
    items = [_schema(urn) for urn in SCHEMAS]
    return scim_response(list_response(items, len(items), 1))


@bp.get("/Schemas/<path:urn>")
def schema(urn):
    for known in SCHEMAS:
        if known.lower() == urn.lower():
            return scim_response(_schema(known))
    raise ScimError(404, f"Schema {urn} not found.")
