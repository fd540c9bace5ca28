"""authlib's Flask client with every request through the door: discovery, the token
exchange, the JWKS and userinfo. authlib builds each HTTP session from its app's
``client_cls`` (a ``requests.Session`` subclass); ours mounts the door's adapter on it, with
a policy that lets the sign-in talk to the issuer's own server and nothing else.

The discovery document is checked again when authlib loads it: every endpoint on the
issuer's origin. Register a client with ``client_cls=DoorOAuth2App``,
``outbound_organization`` (its trusted hosts apply) and ``outbound_origin`` (the issuer).
The rules are read each time authlib makes a session, so a changed setting applies to a
client already built.
"""

from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.requests_client import OAuth2Session

from .errors import Failure, OutboundError
from .policy import Policy, same_origin
from .transport import DOCUMENT_MAX_BYTES, mount

# The endpoints of a discovery document that our server calls or sends the member's
# browser to: each must be on the issuer's own server (its origin).
ENDPOINTS = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)
REQUIRED = ("authorization_endpoint", "token_endpoint", "jwks_uri")
# What of the document reaches the HTTP session authlib builds for the authorization URL
# and the token exchange: the endpoints. authlib passes the whole document as that
# session's keyword arguments, and some names are settings, not data: requests' own
# (verify, proxies, hooks, trust_env, cert) and the client's (code_challenge_method,
# scope, client_id...). A document could turn TLS verification or PKCE off, or make the
# sign-in a 500.
SESSION_METADATA = (*ENDPOINTS, "revocation_endpoint", "introspection_endpoint")


def endpoint_off_origin(document: dict, issuer: str) -> str | None:
    """The first endpoint missing (if required) or off the issuer's origin, else None."""
    for key in ENDPOINTS:
        value = document.get(key)
        if value is None and key not in REQUIRED:
            continue
        if not isinstance(value, str) or not same_origin(value, issuer):
            return key
    return None


def session_class(organization_id: int | None, origin: str) -> type[OAuth2Session]:
    class DoorOAuth2Session(OAuth2Session):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            mount(self, Policy.current(organization_id, origin), DOCUMENT_MAX_BYTES)

    return DoorOAuth2Session


class DoorOAuth2App(FlaskOAuth2App):
    def __init__(
        self, framework, name=None, *, outbound_organization, outbound_origin: str, **kwargs
    ):
        super().__init__(framework, name, **kwargs)
        self.client_cls = session_class(outbound_organization, outbound_origin)
        self.outbound_origin = outbound_origin

    def _get_oauth_client(self, **metadata):
        endpoints = {key: metadata[key] for key in SESSION_METADATA if key in metadata}
        return super()._get_oauth_client(**endpoints)

    def load_server_metadata(self):
        """The provider's document as authlib loads it, refused when an endpoint left the
        issuer's server since the settings were checked (the sign-in page, the sign-out
        redirect and the JWKS all come from it)."""
        metadata = super().load_server_metadata()
        if endpoint_off_origin(metadata, self.outbound_origin) is not None:
            raise OutboundError(
                Failure.REFUSED,
                "The provider's OpenID configuration names a server other than the issuer.",
            )
        return metadata
