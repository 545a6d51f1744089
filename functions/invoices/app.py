"""Invoices function: read invoices, activate a DRAFT one, link to its PDF."""

from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.http.app import build_resolver, serve
from order_activation.http.routes import invoice_routes
from order_activation.observability import logger, tracer

app = build_resolver()
app.include_router(invoice_routes)

_serve = serve(app)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
def handler(event: dict, context: LambdaContext) -> dict:
    return _serve(event, context)
