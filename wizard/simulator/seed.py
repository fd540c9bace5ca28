"""The simulated org's first people and groups: enough for every wizard step and every
scenario (a department per group, titles to map, one suspended and one deactivated
person), all at the demo organization's email domain."""

PEOPLE = (
    # first, last, title, department
    ("Ada", "Lovelace", "Chief Engineer", "Engineering"),
    ("Grace", "Hopper", "Platform Lead", "Engineering"),
    ("Alan", "Turing", "Research Engineer", "Engineering"),
    ("Katherine", "Johnson", "Data Analyst", "Finance"),
    ("Raj", "Patel", "Account Executive", "Sales"),
    ("Mei", "Chen", "Sales Engineer", "Sales"),
    ("Sofia", "Garcia", "People Partner", "People"),
    ("Kwame", "Mensah", "IT Administrator", "IT"),
    ("Lena", "Fischer", "Designer", "Design"),
    ("Omar", "Haddad", "Support Specialist", "Support"),
)
GROUPS = (
    # id, name, description, departments whose people belong
    ("00gsimengineering01", "Engineering", "Everyone building the product", ("Engineering",)),
    ("00gsimsales00000002", "Sales", "Account executives and sales engineers", ("Sales",)),
    ("00gsimeveryone00003", "Everyone", "All employees", None),
)
# Okta statuses of the seeded people who are not ACTIVE (Okta's lifecycle names).
STATUSES = {"Omar": "SUSPENDED", "Lena": "DEPROVISIONED"}


def person_id(number: int) -> str:
    """An Okta user id (00u + 17 characters), stable for the seed."""
    return f"00usim{number:014d}"


def seed_people(domain: str) -> list[dict]:
    people = []
    for number, (first, last, title, department) in enumerate(PEOPLE, start=1):
        email = f"{first.lower()}.{last.lower()}@{domain}"
        people.append(
            okta_person(
                person_id(number),
                login=email,
                email=email,
                firstName=first,
                lastName=last,
                title=title,
                department=department,
                status=STATUSES.get(first, "ACTIVE"),
            )
        )
    return people


def okta_person(user_id: str, *, status: str = "ACTIVE", **profile) -> dict:
    """A user as Okta's API returns it (GET /api/v1/users/{id})."""
    stamp = "2026-01-05T09:00:00.000Z"
    return {
        "id": user_id,
        "status": status,
        "created": stamp,
        "lastUpdated": stamp,
        "profile": {
            "displayName": f"{profile.get('firstName', '')} {profile.get('lastName', '')}".strip(),
            "mobilePhone": None,
            "photoUrl": "",
            **profile,
        },
    }


def okta_group(group_id: str, name: str, description: str = "") -> dict:
    return {
        "id": group_id,
        "type": "OKTA_GROUP",
        "profile": {"name": name, "description": description},
    }
