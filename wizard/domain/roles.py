"""The role model: one ordered organization role per member, and site roles per site.

Organization roles are the values Okta may send in our SCIM ``role`` attribute (seed
001); *no role* means app sign-in only, seeing one's own profile.
"""

from enum import IntEnum


class OrgRole(IntEnum):
    NONE = 0
    READ_ONLY = 1
    USER = 2
    ADMIN = 3
    ENTERPRISE_ADMIN = 4

    @property
    def value_name(self) -> str:
        """The stored and SCIM spelling (``"ReadOnly"``; ``""`` for no role)."""
        return ORG_ROLE_NAMES[self]

    @property
    def label(self) -> str:
        return ORG_ROLE_LABELS[self]

    @classmethod
    def parse(cls, value: str | None) -> "OrgRole":
        """The role for a stored or SCIM value; matching ignores case. Raises ValueError."""
        key = (value or "").strip().lower()
        for role, name in ORG_ROLE_NAMES.items():
            if name.lower() == key:
                return role
        raise ValueError(f"unknown organization role {value!r}")


ORG_ROLE_NAMES = {
    OrgRole.NONE: "",
    OrgRole.READ_ONLY: "ReadOnly",
    OrgRole.USER: "User",
    OrgRole.ADMIN: "Admin",
    OrgRole.ENTERPRISE_ADMIN: "EnterpriseAdmin",
}
ORG_ROLE_LABELS = {
    OrgRole.NONE: "No role (sign-in only)",
    OrgRole.READ_ONLY: "Read only",
    OrgRole.USER: "User",
    OrgRole.ADMIN: "Admin",
    OrgRole.ENTERPRISE_ADMIN: "Enterprise admin",
}


class SiteRole(IntEnum):
    VIEWER = 1
    EDITOR = 2
    PUBLISHER = 3
    SITE_ADMIN = 4

    @property
    def value_name(self) -> str:
        return {1: "Viewer", 2: "Editor", 3: "Publisher", 4: "SiteAdmin"}[self.value]
