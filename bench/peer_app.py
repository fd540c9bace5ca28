"""The peer: scim2-server (python-scim's reference server, PyPI ``scim2-server``) as a
WSGI app for gunicorn, with a static bearer token, exactly as its own command builds it.

Its storage is in memory and per process, so it is served by one worker (threads for
concurrency): two workers would each hold half the users.
"""

import os

from scim2_models import ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

config = load_default_service_provider_config()
config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
provider = ScimProvider.from_discovery(
    load_default_schemas().values(), load_default_resource_types().values(), config=config
)
app = BearerTokenApplication(
    InMemoryStorage(),
    provider,
    service=ScimService(provider, secret=os.environ.get("PEER_SECRET", "bench-only-secret")),
    bearer_tokens=[os.environ.get("PEER_TOKEN", "bench-token")],
)
