"""authlib's Flask client with every request through the door: discovery, the token
exchange, the JWKS and userinfo. authlib builds each HTTP session from its app's
``client_cls`` (a ``requests.Session`` subclass); ours mounts the door's adapter on it, with
a policy that lets the sign-in talk to the issuer's own server and nothing else.

Register a client with ``client_cls=DoorOAuth2App``, ``outbound_organization`` (its
trusted hosts apply) and ``outbound_origin`` (the issuer). The rules are read each time
authlib makes a session, so a changed setting applies to a client already built.
"""

from authlib.integrations.flask_client import FlaskOAuth2App
from authlib.integrations.requests_client import OAuth2Session

from .policy import Policy
from .transport import DOCUMENT_MAX_BYTES, mount


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
