"""What SCIM clients read from discovery (RFC 7644 §4) stays exactly what we advertise.

tests/fixtures/scim_discovery.json holds every discovery answer as the hand-written
documents gave it before they were built from scim2-models (wizard/scim/discovery.py):
every attribute, characteristic and value. Each answer must equal it. Arrays compare as
multisets, since RFC 7643 §2.4 gives multi-valued attributes no order (``attributes``,
``subAttributes``, ``canonicalValues``, ``Resources``); objects compare key by key, so
a key added, dropped or changed fails. Changing what we advertise means changing the
fixture in the same commit, on purpose.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "scim_discovery.json"
PATHS = [
    "/ServiceProviderConfig",
    "/ResourceTypes",
    "/ResourceTypes/User",
    "/ResourceTypes/Group",
    "/Schemas",
    "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    "/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "/Schemas/urn:ietf:params:scim:schemas:extension:okta-connector:2.0:User",
    "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
]


def unordered(value):
    """``value`` with every array sorted by its items' canonical JSON."""
    if isinstance(value, dict):
        return {key: unordered(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [unordered(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value


def with_placeholders(text: str, scim) -> str:
    """The base URL and origin of this run as the fixture writes them."""
    origin = scim.base.split("/scim/")[0]
    return text.replace(scim.base, "{base}").replace(origin, "{origin}")


def answers(scim) -> dict:
    found = {}
    for path in PATHS:
        response = scim.get(path)
        found[path] = {
            "status": response.status_code,
            "content_type": response.headers["Content-Type"],
            "body": json.loads(with_placeholders(response.text, scim)),
        }
    return found


def test_the_fixture_lists_every_schema_and_resource_type():
    """Every schema and resource type the index documents name has its own answer."""
    recorded = json.loads(FIXTURE.read_text())
    schemas = [s["id"] for s in recorded["/Schemas"]["body"]["Resources"]]
    types = [t["id"] for t in recorded["/ResourceTypes"]["body"]["Resources"]]
    assert {f"/Schemas/{urn}" for urn in schemas} | {f"/ResourceTypes/{t}" for t in types} == {
        path for path in PATHS if path.count("/") == 2
    }


@pytest.mark.parametrize("path", PATHS)
def test_discovery_answers_what_clients_read_unchanged(scim, path):
    """Each discovery document equals the recorded one: keys, characteristics, values."""
    expected = json.loads(FIXTURE.read_text())[path]
    got = answers(scim)[path]
    assert (got["status"], got["content_type"]) == (expected["status"], expected["content_type"])
    assert unordered(got["body"]) == unordered(expected["body"])


def test_the_app_starts_without_importing_scim2_models(tmp_path):
    """scim2-models (pydantic) costs about a second to import: building the app, as every
    worker and CLI command does, leaves it to the first discovery request."""
    script = (
        "import sys\n"
        "from tests.conftest import app_config\n"
        "from wizard import create_app\n"
        f"create_app(app_config(__import__('pathlib').Path({str(tmp_path)!r}), "
        f"'sqlite:///{tmp_path / 'app.db'}'))\n"
        "print('scim2_models' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
        check=True,
    )
    assert result.stdout.strip() == "False", result.stderr
