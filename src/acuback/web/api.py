"""The JSON API. OpenAPI is served at /api/openapi.json and docs at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI, Schema

import acuback

api = NinjaAPI(title="acuback", version=acuback.__version__, urls_namespace="api")


class Health(Schema):
    status: str
    version: str


@api.get("/health", response=Health, auth=None, summary="Liveness check")
def health(request: object) -> dict[str, str]:
    return {"status": "ok", "version": acuback.__version__}
