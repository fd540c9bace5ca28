"""The stack ceiling: Flask + Peewee answering the Okta mix with one indexed lookup or
one write per request and nothing else (no auth, no request log, no rules). What our
stack could do at best; served by gunicorn exactly like the product.

``CEILING_DATABASE_URL`` picks SQLite or PostgreSQL (same pragmas as the product). On
PostgreSQL every statement is prepared on the server after five runs (psycopg's own
rule): each is a single-row read or write by key, so the ceiling gets what the product's
hot statements get (wizard/hot_statements.py).
"""

import json
import os
import re
import uuid

import peewee as pw
from flask import Flask, Response, request
from playhouse.db_url import connect as connect_url

from wizard.db import make_database
from wizard.pg_pool import pooled_database

database = pw.DatabaseProxy()


def ceiling_database(url: str) -> pw.Database:
    """The product's database classes (its pool skips the same pings), with psycopg's
    own prepare rule."""
    if url.startswith("sqlite"):
        return make_database(url)
    return pooled_database(url, prepare_threshold=5) or connect_url(url)


class BaseModel(pw.Model):
    class Meta:
        database = database


class CeilingUser(BaseModel):
    scim_id = pw.CharField(max_length=36, unique=True)
    user_name = pw.CharField(max_length=254, unique=True)
    given_name = pw.CharField(default="")
    family_name = pw.CharField(default="")
    title = pw.CharField(default="")
    active = pw.BooleanField(default=True)


class CeilingGroup(BaseModel):
    scim_id = pw.CharField(max_length=36, unique=True)
    display_name = pw.CharField(unique=True)


class CeilingMember(BaseModel):
    group = pw.ForeignKeyField(CeilingGroup)
    user = pw.ForeignKeyField(CeilingUser)

    class Meta:
        indexes = ((("group", "user"), True),)


MODELS = (CeilingUser, CeilingGroup, CeilingMember)
FILTER = re.compile(r'userName eq "([^"]*)"')
app = Flask(__name__)
if os.environ.get("CEILING_DATABASE_URL"):
    database.initialize(ceiling_database(os.environ["CEILING_DATABASE_URL"]))


def create_tables(url: str) -> None:
    database.initialize(ceiling_database(url))
    with database.connection_context():
        database.create_tables(MODELS)


@app.before_request
def _open():
    database.connect(reuse_if_open=True)


@app.teardown_request
def _close(_exc):
    if not database.is_closed():
        database.close()


def answer(payload, status=200):
    return Response(json.dumps(payload), status, content_type="application/scim+json")


def user_json(user):
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": user.scim_id,
        "userName": user.user_name,
        "name": {"givenName": user.given_name, "familyName": user.family_name},
        "title": user.title,
        "active": user.active,
    }


@app.get("/scim/v2/<key>/Users")
def list_users(key):
    match = FILTER.search(request.args.get("filter", ""))
    found = CeilingUser.get_or_none(CeilingUser.user_name == match[1]) if match else None
    resources = [user_json(found)] if found else []
    return answer(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(resources),
            "Resources": resources,
        }
    )


@app.post("/scim/v2/<key>/Users")
def create_user(key):
    body = request.get_json(force=True)
    user = CeilingUser.create(
        scim_id=str(uuid.uuid4()),
        user_name=body["userName"],
        given_name=body.get("name", {}).get("givenName", ""),
        family_name=body.get("name", {}).get("familyName", ""),
    )
    return answer(user_json(user), 201)


@app.patch("/scim/v2/<key>/Users/<user_id>")
def patch_user(key, user_id):
    changes = {}
    for op in request.get_json(force=True)["Operations"]:
        value = op.get("value")
        if op.get("path"):
            value = {op["path"]: value}
        if "title" in value:
            changes[CeilingUser.title] = value["title"]
        if "active" in value:
            changes[CeilingUser.active] = bool(value["active"])
    CeilingUser.update(changes).where(CeilingUser.scim_id == user_id).execute()
    return Response(status=204)


@app.post("/scim/v2/<key>/Groups")
def create_group(key):
    body = request.get_json(force=True)
    group = CeilingGroup.create(scim_id=str(uuid.uuid4()), display_name=body["displayName"])
    return answer({"id": group.scim_id, "displayName": group.display_name}, 201)


@app.patch("/scim/v2/<key>/Groups/<group_id>")
def patch_group(key, group_id):
    refs = [
        member["value"]
        for op in request.get_json(force=True)["Operations"]
        for member in op.get("value") or []
    ]
    group = CeilingGroup.select(CeilingGroup.id).where(CeilingGroup.scim_id == group_id)
    users = CeilingUser.select(group, CeilingUser.id).where(CeilingUser.scim_id.in_(refs))
    columns = [CeilingMember.group, CeilingMember.user]
    CeilingMember.insert_from(users, columns).on_conflict_ignore().execute()
    return Response(status=204)
