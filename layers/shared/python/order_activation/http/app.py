"""The API resolver shared by the API functions: JSON read exactly, errors in the contract's shape."""

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.router import APIGatewayRouter as Router
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.errors import DomainError, PayloadTooLargeError, UnauthorizedError, ValidationFailedError
from order_activation.http import idempotency
from order_activation.http.errors import (
    domain_error_response,
    error_response,
    proxy_result,
    validation_error_response,
)
from order_activation.observability import logger

MAX_BODY_BYTES = 256 * 1024


def _reject_constant(name: str) -> NoReturn:
    raise json.JSONDecodeError(f"{name} is not a number JSON allows", name, 0)


def parse_json(body: str) -> Any:
    """Reads a request body; numbers become Decimal or int, never float, and NaN is refused.

    Nesting deeper than the parser follows and integers longer than Python converts are
    refused as invalid JSON too, rather than failing the request as a server fault.
    """
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as error:
        raise json.JSONDecodeError("the body is nested too deeply or holds too long a number", body, 0) from error


def build_resolver() -> APIGatewayRestResolver:
    """A resolver with OpenAPI validation whose errors answer as the contract says."""
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=parse_json)

    @app.exception_handler(DomainError)
    def _domain_error(error: DomainError) -> Response:
        logger.info("request refused", error_code=error.code)
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response:
        return validation_error_response(error)

    @app.exception_handler(RequestUnsupportedContentType)
    def _not_json(_: RequestUnsupportedContentType) -> Response:
        return domain_error_response(_body_not_json())

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(_: UnicodeDecodeError) -> Response:
        details = [{"field": "body", "message": "the body is not UTF-8 text"}]
        return error_response(400, "validation_error", "the request is not valid", details)

    @app.not_found
    def _no_route(_: RouteNotFoundError) -> Response:
        return error_response(404, "not_found", "no such resource")

    @app.exception_handler(Exception)
    def _fault(error: Exception) -> Response:
        logger.exception("request failed")
        return error_response(500, "internal_error", "the server could not complete the request")

    return app


def tenant_of(app: APIGatewayRestResolver | Router) -> str:
    """The tenant the authorizer found for the request's API key."""
    tenant_id = app.current_event.request_context.authorizer.get_context().get("tenantId")
    if not tenant_id:
        raise UnauthorizedError("a valid x-api-key header is required")
    return str(tenant_id)


def body_too_large(event: dict[str, Any]) -> bool:
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    return size > MAX_BODY_BYTES


def _body_not_json() -> ValidationFailedError:
    details = [{"field": "Content-Type", "message": "send application/json"}]
    return ValidationFailedError("request bodies are JSON", details)


def _json_or_empty(event: dict[str, Any]) -> bool:
    """A request body, if there is one, must say it is JSON."""
    if not event.get("body"):
        return True
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    media_type = (headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def serve(
    app: APIGatewayRestResolver, idempotent: bool = True
) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point of a resolver: oversized bodies are refused before parsing, and
    POST requests with an `Idempotency-Key` are answered once.
    """

    def handle(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        if body_too_large(event):
            return proxy_result(PayloadTooLargeError("request bodies are limited to 256 KiB"))
        if not _json_or_empty(event):
            return proxy_result(_body_not_json())
        if not idempotent:
            return app.resolve(event, context)
        return idempotency.answer(event, context, app.resolve)

    return handle
