"""The bodies Okta's provisioning engine sends, built from an Okta user or group as Okta's
SCIM 2.0 Test App maps them (/work/shared/okta-scim.md sections 3 and 4; RFC 7643)."""

import secrets
from urllib.parse import quote

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Okta's "Application username format" choices (Sign On tab), by what they produce.
USERNAME_FORMATS = {
    "email": "Email",
    "okta_username": "Okta username",
    "email_prefix": "Email prefix",
}


def user_name(profile: dict, username_format: str) -> str:
    if username_format == "okta_username":
        return profile.get("login") or ""
    if username_format == "email_prefix":
        return (profile.get("email") or "").partition("@")[0]
    return profile.get("email") or ""


def user_body(user: dict, username_format: str, *, active: bool = True) -> dict:
    """POST /Users: Okta's own id as ``externalId`` and a throw-away ``password`` (Okta
    sends one even with password sync off, section 3.3)."""
    profile = user["profile"]
    body = {
        "schemas": [USER_SCHEMA],
        "userName": user_name(profile, username_format),
        "name": {
            "givenName": profile.get("firstName") or "",
            "familyName": profile.get("lastName") or "",
        },
        "emails": [{"primary": True, "value": profile.get("email") or "", "type": "work"}],
        "displayName": profile.get("displayName") or "",
        "locale": "en-US",
        "externalId": user["id"],
        "groups": [],
        "password": throwaway_password(),
        "active": active,
    }
    if profile.get("title"):
        body["title"] = profile["title"]
    if profile.get("department"):
        body["schemas"] = [USER_SCHEMA, ENTERPRISE_SCHEMA]
        body[ENTERPRISE_SCHEMA] = {"department": profile["department"]}
    return body


def updated_user(current: dict, user: dict, username_format: str, *, sync_password: bool) -> dict:
    """PUT /Users/{id}: what our GET returned with Okta's changes on top (section 3.5);
    a password only when the admin turned Sync Password on."""
    changes = user_body(user, username_format)
    body = {key: value for key, value in current.items() if key != "password"}
    for key in ("userName", "name", "emails", "displayName", "title", "schemas", ENTERPRISE_SCHEMA):
        if key in changes:
            body[key] = changes[key]
    body["active"] = current.get("active", True)
    if sync_password:
        body["password"] = throwaway_password()
    return body


def throwaway_password() -> str:
    return secrets.token_urlsafe(9)


def active_patch(active: bool) -> dict:
    """Deactivate or reactivate: a path-less replace (section 3.6)."""
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "value": {"active": active}}],
    }


def group_body(name: str, members: list[dict]) -> dict:
    return {"schemas": [GROUP_SCHEMA], "displayName": name, "members": members}


def membership_patch(added: list[dict], removed_ids: list[str]) -> dict:
    """One remove per member with a filter path, one add with every new member (4.4)."""
    operations = [
        {"op": "remove", "path": f'members[value eq "{scim_id}"]'} for scim_id in removed_ids
    ]
    if added:
        operations.append({"op": "add", "path": "members", "value": added})
    return {"schemas": [PATCH_SCHEMA], "Operations": operations}


def members_replace(members: list[dict]) -> dict:
    """Push Now: a full overwrite of the membership (section 4.4)."""
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "members", "value": members}],
    }


def rename_patch(scim_id: str, name: str) -> dict:
    """The path-less replace Okta sends after every membership change (section 4.5)."""
    return {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "value": {"id": scim_id, "displayName": name}}],
    }


def eq_filter(attribute: str, value: str) -> str:
    """``?filter=userName%20eq%20%22x%22&startIndex=1&count=100`` as Okta encodes it."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    expression = quote(attribute + ' eq "' + escaped + '"', safe="")
    return f"filter={expression}&startIndex=1&count=100"
