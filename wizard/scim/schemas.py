"""Discovery's documents as scim2-models objects: the attributes this server supports,
declared as scim2-models resources whose ``to_schema()`` is each ``/Schemas`` document
(RFC 7643 §7), and the resource types and service provider configuration (§5, §6).

They describe; they do not serve. Requests are read and answered by the hand-tuned
code in mapping.py and patch.py, which validating each body through these models would
slow. So a class names exactly what that code stores and returns, nothing more: an
attribute added there is added here too (tests/test_scim_discovery.py keeps the
published documents as recorded). The class docstring is the schema's description;
``examples`` are its ``canonicalValues``.

scim2-models (pydantic) takes about a second to import; discovery.py loads this module
on its first request, so no app start, worker or CLI command pays for it.
"""

from functools import cache
from typing import Annotated

from pydantic import Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Meta,
    Mutability,
    Patch,
    Required,
    Resource,
    ResourceType,
    SchemaExtension,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

from ..domain.roles import OrgRole
from .mapping import ENTERPRISE_SCHEMA, GROUP_SCHEMA, OUR_SCHEMA, USER_SCHEMA
from .protocol import MAX_RESULTS

KINDS = ["work", "home", "mobile", "other"]


def described(description: str = "", **characteristics):
    return Field(None, description=description, **characteristics)


class Name(ComplexAttribute):
    given_name: Annotated[str | None, Required.true] = described("First name (seed 001: required).")
    family_name: Annotated[str | None, Required.true] = described("Last name (seed 001: required).")


class Email(ComplexAttribute):
    value: Annotated[str | None, Required.true] = described("The value.")
    type: str | None = described("work, home, mobile, ...", examples=KINDS)
    primary: bool | None = described("The primary value.")


class PhoneNumber(ComplexAttribute):
    value: str | None = described("The value.")
    type: str | None = described("work, home, mobile, ...", examples=KINDS)
    primary: bool | None = described("The primary value.")


class GroupOfUser(ComplexAttribute):
    value: Annotated[str | None, Mutability.read_only] = described()
    display: Annotated[str | None, Mutability.read_only] = described()


class User(Resource):
    """A member of the organization."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Required.true, Uniqueness.server] = described(
        "Unique per organization, matched case-insensitively, case kept."
    )
    name: Annotated[Name | None, Required.true] = described("The member's name.")
    display_name: str | None = described("Name shown in lists.")
    emails: Annotated[list[Email] | None, Required.true] = described(
        "The primary (or work) email; unique per organization."
    )
    phone_numbers: list[PhoneNumber] | None = described("Phone numbers.")
    title: str | None = described("Job title.")
    active: bool | None = described("false deactivates and ends sessions.")
    groups: Annotated[list[GroupOfUser] | None, Mutability.read_only] = described(
        "Groups the member belongs to (change them through /Groups)."
    )


class Manager(ComplexAttribute):
    value: str | None = described("Manager's id.")


class EnterpriseUser(Extension):
    """Enterprise extension."""

    __schema__ = URN(ENTERPRISE_SCHEMA)

    employee_number: str | None = described("Employee number.")
    department: str | None = described("Department.")
    manager: Manager | None = described("The member's manager.")


class OktaConnectorUser(Extension):
    """Roles given through Okta."""

    __schema__ = URN(OUR_SCHEMA)

    role: str | None = described(
        "Organization role; absent means sign-in only (no role).",
        examples=[role.value_name for role in OrgRole if role is not OrgRole.NONE],
    )


class GroupMember(ComplexAttribute):
    value: Annotated[str | None, Mutability.immutable] = described("The user's id.")
    display: Annotated[str | None, Mutability.read_only] = described("The user's userName.")
    type: Annotated[str | None, Mutability.immutable] = described(examples=["User"])


class Group(Resource):
    """A group pushed from Okta."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true, Uniqueness.server] = described(
        "Group name; unique per organization, any case."
    )
    members: list[GroupMember] | None = described("Members (user ids).")


SCHEMAS = (User, EnterpriseUser, OktaConnectorUser, Group)  # in /Schemas order
AUTHENTICATION = AuthenticationScheme(
    type="oauthbearertoken",
    name="Bearer token",
    primary=True,
    description="Authorization: Bearer <token> from the Connect Okta wizard "
    "(a bare token and Basic with the connection key also work).",
)


def meta(resource_type: str, location: str) -> dict:
    return Meta(resource_type=resource_type, location=location).model_dump()


@cache
def schema_documents() -> dict[str, dict]:
    """Each schema URN's document, without ``meta`` (it holds the request's base URL)."""
    return {str(model.__schema__): model.to_schema().model_dump() for model in SCHEMAS}


@cache
def resource_type_documents() -> tuple[dict, ...]:
    """The User and Group resource types, without ``meta``."""
    user = ResourceType(
        id="User",
        name="User",
        endpoint="/Users",
        description="Members",
        schema_=str(User.__schema__),
        schema_extensions=[
            SchemaExtension(schema_=str(extension.__schema__), required=False)
            for extension in (EnterpriseUser, OktaConnectorUser)
        ],
    )
    group = ResourceType(
        id="Group",
        name="Group",
        endpoint="/Groups",
        description="Groups",
        schema_=str(Group.__schema__),
    )
    documents = tuple(resource_type.model_dump() for resource_type in (user, group))
    for document in documents:
        # scim2-models leaves an empty list out (RFC 7643 §2.5, unassigned); the Group
        # type has always published ``schemaExtensions: []``, and clients may read it.
        document.setdefault("schemaExtensions", [])
    return documents


def service_provider_config(documentation_uri: str) -> dict:
    """What this server supports (RFC 7643 §5), without ``meta``."""
    return ServiceProviderConfig(
        documentation_uri=documentation_uri,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        authentication_schemes=[AUTHENTICATION],
    ).model_dump()
