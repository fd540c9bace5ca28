"""Bare Flask: the Okta mix's routes answered from memory with no database, for context
(what Flask and gunicorn cost alone)."""

import json
import uuid

from flask import Flask, Response, request

app = Flask(__name__)
EMPTY = json.dumps(
    {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0,
     "Resources": []}
)  # fmt: skip


@app.route("/scim/v2/<key>/<path:rest>", methods=["GET", "POST", "PATCH"])
def anything(key, rest):
    if request.method == "GET":
        return Response(EMPTY, content_type="application/scim+json")
    body = request.get_json(force=True)
    if request.method == "POST":
        body["id"] = str(uuid.uuid4())
        return Response(json.dumps(body), 201, content_type="application/scim+json")
    return Response(status=204)
