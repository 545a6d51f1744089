"""Every error answer of the API, in the contract's shape, made in one place."""

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from order_activation.errors import DomainError

JSON = "application/json"


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return Response(status_code=status, content_type=JSON, body=json.dumps(body))


def domain_error_response(error: DomainError) -> Response:
    return error_response(error.status, error.code, error.message, error.details)


def proxy_result(error: DomainError) -> dict[str, Any]:
    """The API Gateway answer for an error found before the resolver runs."""
    response = domain_error_response(error)
    return {
        "statusCode": response.status_code,
        "headers": {"Content-Type": JSON},
        "body": response.body,
        "isBase64Encoded": False,
    }


def validation_error_response(error: RequestValidationError) -> Response:
    details = [_detail(item) for item in error.errors()]
    return error_response(400, "validation_error", "the request is not valid", details)


def _detail(error: dict[str, Any]) -> dict[str, str]:
    location = [part for part in error.get("loc", ()) if part not in ("body", "query", "path", "header")]
    if error.get("type") == "json_invalid":
        return {"field": "body", "message": "the body is not valid JSON"}
    return {"field": _field_path(location) or "body", "message": _message(error)}


def _field_path(location: list[Any]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif str(part).startswith(("function-", "tagged-union")):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path


def _message(error: dict[str, Any]) -> str:
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ")
