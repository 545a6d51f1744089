"""The OpenAPI document of the whole API, generated from the pydantic models."""

import json
from functools import cache

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

TITLE = "Order activation API"
VERSION = "1.0.0"


@cache
def openapi_document() -> str:
    """Every route of every API function, so one document describes the whole contract."""
    from order_activation.http import routes
    from order_activation.http.app import build_resolver

    resolver = build_resolver()
    routers = (routes.catalog_routes, routes.order_routes, routes.read_routes, routes.activation_routes)
    for router in (*routers, routes.invoice_routes, routes.webhook_routes):
        resolver.include_router(router)
    return resolver.get_openapi_json_schema(title=TITLE, version=VERSION)


def add_openapi_route(app: APIGatewayRestResolver) -> None:
    @app.get("/openapi.json", include_in_schema=False)
    def handle_openapi() -> dict:
        return dict(json.loads(openapi_document()))
