"""API function: catalog, customers, draft orders and reads."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.http.app import build_resolver, serve
from order_activation.http.openapi import add_openapi_route
from order_activation.http.routes import catalog_routes, order_routes, read_routes
from order_activation.observability import logger, tracer

app = build_resolver()
app.include_router(catalog_routes)
app.include_router(order_routes)
app.include_router(read_routes)
add_openapi_route(app)

_serve = serve(app)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return _serve(event, context)
