"""Okta's management API as a WSGI app: users, groups, group members, apps, app users,
the token owner's roles, the user schema, with ``Link`` paging, 429 + rate-limit headers,
500s, slow answers and an expired token. The tests serve it on 127.0.0.1; Simulated Okta
(``make run``) mounts it under ``/simulated-okta``, where its users and groups are the
simulated directory the console pages edit.

Two ways in, as in Okta: an SSWS API token, or an API Services app's OAuth access token
from the org authorization server (``self.oauth``, oauth_server.py: the token endpoint,
DPoP and scopes)."""

import json
import secrets
import threading
import time

from .answers import base_url, json_answer, okta_error, query_of
from .listings import MembershipStamps, Users
from .oauth_server import OrgAuthorizationServer, Refusal


def new_api_token() -> str:
    """An SSWS token in Okta's shape: 42 characters starting with 00."""
    return "00" + secrets.token_urlsafe(30)[:40]


def okta_user(n: int, **profile) -> dict:
    return {
        "id": f"00u{n:06d}",
        "status": "ACTIVE",
        "created": "2026-01-01T00:00:00.000Z",
        "lastUpdated": "2026-01-01T00:00:00.000Z",
        "profile": {
            "login": f"user{n}@acme.example.com",
            "email": f"user{n}@acme.example.com",
            "firstName": f"First{n}",
            "lastName": f"Last{n}",
            **profile,
        },
    }


class OktaEmulator:
    def __init__(self, token: str | None = None):
        self._users = Users()
        self.groups: dict[str, dict] = {}
        self.group_members: dict[str, list[str]] = {}
        self.apps = [
            {"id": "0oascim", "label": "Okta connector provisioning", "status": "ACTIVE"},
            {"id": "0oaoidc", "label": "Okta connector sign-in", "status": "ACTIVE"},
        ]
        self.app_users: dict[str, list[str]] = {"0oascim": [], "0oaoidc": []}
        self.roles = [{"id": "ra1", "type": "ORG_ADMIN", "label": "Organization Administrator"}]
        # Whose API token it is (GET /api/v1/users/me) and that person's admin roles.
        self.token_owner = {"id": "00uadmin", "profile": {"login": "it@acme.example.com"}}
        self.forbidden_paths: set[str] = set()  # e.g. a token without okta.roles.read
        self.token = token or new_api_token()
        self.page_size: int | None = None
        self.rate_limit_every = 0  # answer 429 on every Nth call
        self.rate_limited = 0  # how many 429s were answered
        self.fail_next = 0  # answer 500 this many times
        self.delay = 0.0
        self.calls: list[str] = []
        self.next_base: str | None = None  # a hostile Okta: next links to another server
        self.answers: dict[str, tuple[str, object]] = {}  # path -> (status line, JSON body)
        self.lock = threading.Lock()
        self.oauth = OrgAuthorizationServer()
        self.membership_stamps = MembershipStamps()

    @property
    def users(self) -> Users:
        return self._users

    @users.setter
    def users(self, users: dict) -> None:
        """Whatever dict is assigned (the simulator's saved org, say) pages as Users."""
        self._users = users if isinstance(users, Users) else Users(users)

    def stamped(self, group: dict) -> dict:
        """The group as Okta lists it, with ``lastMembershipUpdated``."""
        members = self.group_members.get(group["id"], ())
        return {**group, "lastMembershipUpdated": self.membership_stamps.of(group["id"], members)}

    # -- test helpers ---------------------------------------------------------------
    def add_users(self, count: int, start: int = 1, assign: str | None = "0oascim"):
        for n in range(start, start + count):
            user = okta_user(n)
            self.users[user["id"]] = user
            if assign:
                self.app_users[assign].append(user["id"])

    def set_status(self, user_id: str, status: str):
        """Okta's lifecycle: SUSPENDED, DEPROVISIONED (deactivated), ACTIVE again..."""
        self.users[user_id]["status"] = status

    def delete_user(self, user_id: str):
        """A deleted Okta user is gone from every listing: users, app users, groups."""
        self.users.pop(user_id)
        for assigned in (*self.app_users.values(), *self.group_members.values()):
            if user_id in assigned:
                assigned.remove(user_id)

    def add_group(self, group_id: str, name: str, members: list[str]):
        self.groups[group_id] = {
            "id": group_id,
            "type": "OKTA_GROUP",
            "profile": {"name": name, "description": ""},
        }
        self.group_members[group_id] = list(members)

    def add_service_app(self, public_jwk: dict, **options):
        """An API Services app with ``public_jwk`` registered (what the admin pastes under
        General > Public keys); it is an app of the org too, as in Okta."""
        app = self.oauth.add_app(public_jwk, **options)
        self.apps.append({"id": app.client_id, "label": app.label, "status": "ACTIVE"})
        return app

    # -- WSGI ---------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = query_of(environ)
        base = base_url(environ)
        with self.lock:
            self.calls.append(path)
            count = len(self.calls)
        if self.delay:
            time.sleep(self.delay)
        if path == "/oauth2/v1/token" and environ["REQUEST_METHOD"] == "POST":
            status, headers, body = self.oauth.token(environ, base)
            return json_answer(
                start_response, body, status, {"Cache-Control": "no-store", **headers}
            )
        refused = self._authorize(environ, path, base)
        if refused is not None:
            return refused(start_response)
        if self.rate_limit_every and count % self.rate_limit_every == 0:
            self.rate_limited += 1
            return self._error(
                start_response,
                429,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
                {"X-Rate-Limit-Reset": str(int(time.time()) + 1)},
            )
        if self.fail_next:
            self.fail_next -= 1
            return self._error(start_response, 500, "E0000009", "Internal Server Error")
        if path in self.answers:
            status, body = self.answers[path]
            start_response(status, [("Content-Type", "application/json")])
            return [json.dumps(body).encode()]
        if path in self.forbidden_paths:
            return self._error(
                start_response,
                403,
                "E0000006",
                "You do not have permission to perform the requested action",
            )
        return self._route(start_response, path, query, base)

    def _authorize(self, environ, path, base):
        """None when the call may go on; else what to answer (Okta's 401 and 403)."""
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        if authorization.startswith("SSWS "):
            if authorization == f"SSWS {self.token}":
                return None
            return lambda sr: self._error(sr, 401, "E0000011", "Invalid token provided")
        refusal = self.oauth.authorize(environ, path, base)
        if refusal is None:
            return None
        return lambda sr: self._oauth_error(sr, refusal, environ, base)

    def _oauth_error(self, start_response, refusal: Refusal, environ, base):
        headers = {"WWW-Authenticate": self.oauth.challenge(refusal, environ, base)}
        if "DPoP-Nonce" in refusal.headers:
            headers["DPoP-Nonce"] = refusal.headers["DPoP-Nonce"]
        if refusal.status == 403:
            code, summary = "E0000006", "You do not have permission to perform the requested action"
        else:
            code, summary = "E0000011", "Invalid token provided"
        return self._error(start_response, refusal.status, code, summary, headers)

    def _route(self, start_response, path, query, base):
        parts = path.strip("/").split("/")
        if path == "/api/v1/users":
            return self._page(start_response, self.users.ids(), query, base, path, self.users.get)
        if path == "/api/v1/users/me":
            return self._json(start_response, self.token_owner)
        if path == f"/api/v1/users/{self.token_owner['id']}/roles":
            return self._json(start_response, self.roles)
        if len(parts) == 5 and parts[:3] == ["oauth2", "v1", "clients"] and parts[4] == "roles":
            app = self.oauth.apps.get(parts[3])
            if app is not None:
                return self._json(start_response, app.roles)
        if path == "/api/v1/groups":
            groups = list(self.groups.values())
            return self._page(start_response, groups, query, base, path, self.stamped)
        if len(parts) == 5 and parts[2] == "groups" and parts[4] == "users":
            members = self.group_members.get(parts[3], [])
            return self._page(start_response, members, query, base, path, self.users.get)
        if path == "/api/v1/apps":
            return self._json(start_response, self.apps)
        if len(parts) == 5 and parts[2] == "apps" and parts[4] == "users":
            assigned = self.app_users.get(parts[3], [])
            return self._page(
                start_response, assigned, query, base, path, self._app_user, largest=500
            )
        if path == "/api/v1/meta/schemas/user/default":
            return self._json(
                start_response,
                {
                    "definitions": {
                        "base": {
                            "properties": {
                                name: {"title": title, "type": "string"}
                                for name, title in (
                                    ("title", "Title"),
                                    ("department", "Department"),
                                    ("mobilePhone", "Mobile phone"),
                                    ("primaryPhone", "Primary phone"),
                                )
                            }
                        },
                        "custom": {
                            "properties": {
                                "photoUrl": {"title": "Photo URL", "type": "string"},
                                "jobTitle": {"title": "Job title (HR system)", "type": "string"},
                            }
                        },
                    }
                },
            )
        return self._error(
            start_response, 404, "E0000007", f"Not found: Resource not found: {path}"
        )

    def _app_user(self, user_id: str) -> dict | None:
        if user_id not in self.users:
            return None
        return {
            "id": user_id,
            "scope": "USER",
            "status": "PROVISIONED",
            "credentials": {"userName": self.users[user_id]["profile"]["login"]},
        }

    def _page(self, start_response, items, query, base, path, build=lambda item: item, largest=200):
        """One page of ``items`` (ids, or objects with an id), each built with ``build``
        (None: gone, left out) only for the page. The ``after`` cursor is opaque, as
        Okta's is: here the last id and its position, so an emulator holding 100,000
        users answers each page without searching the whole list. ``largest``: the most
        Okta serves of this listing on a page (200 users, 500 app users)."""
        limit = min(int(query.get("limit", 200)), self.page_size or largest)
        start = self._position(items, query.get("after"))
        page = [x for x in (build(item) for item in items[start : start + limit]) if x]
        headers = {}
        if start + limit < len(items):
            last = items[start + limit - 1]
            cursor = f"{last if isinstance(last, str) else last['id']}~{start + limit}"
            headers["Link"] = (
                f'<{self.next_base or base}{path}?after={cursor}&limit={limit}>; rel="next"'
            )
        return self._json(start_response, page, headers)

    @staticmethod
    def _position(items, after: str | None) -> int:
        if not after:
            return 0
        last, _, position = after.partition("~")
        ids = lambda: [i if isinstance(i, str) else i["id"] for i in items]  # noqa: E731
        if position.isdigit() and 0 < int(position) <= len(items):
            previous = items[int(position) - 1]
            if (previous if isinstance(previous, str) else previous["id"]) == last:
                return int(position)
        known = ids()
        return known.index(last) + 1 if last in known else len(items)

    @staticmethod
    def _json(start_response, body, headers=None):
        data = json.dumps(body).encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/json"),
                ("X-Rate-Limit-Limit", "600"),
                ("X-Rate-Limit-Remaining", "599"),
                ("X-Rate-Limit-Reset", str(int(time.time()) + 60)),
                *(headers or {}).items(),
            ],
        )
        return [data]

    @staticmethod
    def _error(start_response, status, code, summary, headers=None):
        return okta_error(start_response, status, code, summary, headers)
