"""`Idempotency-Key` on POST requests, with Powertools Idempotency on DynamoDB.

The same key with the same request within 24 hours answers the first response again
(status and body) and changes nothing; with another body, or on another path (the
activation of another order, say), it is 409 `idempotency_key_reused`. Keys are
scoped per tenant. A request without a key is never recorded, so requests without
keys are never merged. A server fault (5xx) is not remembered, so the request can be
tried again.
"""

import os
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.errors import IdempotencyKeyReusedError, ValidationFailedError
from order_activation.http.errors import proxy_result

HEADER = "idempotency-key"
KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")
DAY_SECONDS = 24 * 60 * 60

Respond = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


class _ServerFault(Exception):
    def __init__(self, response: dict[str, Any]) -> None:
        super().__init__("server fault")
        self.response = response


@cache
def _config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[tenant, key]",
        payload_validation_jmespath="[method, path, body]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=DAY_SECONDS,
    )


@cache
def _remembered() -> Callable[..., dict[str, Any]]:
    persistence = DynamoDBPersistenceLayer(table_name=os.environ["IDEMPOTENCY_TABLE"])

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=_config())
    def answer_once(request: dict[str, Any], respond: Respond, event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = respond(event, context)
        if int(response.get("statusCode", 500)) >= 500:
            raise _ServerFault(response)
        return response

    return answer_once


def idempotency_key(event: dict[str, Any]) -> str | None:
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    return headers.get(HEADER)


def answer(event: dict[str, Any], context: LambdaContext, respond: Respond) -> dict[str, Any]:
    """Answers a request, once per `Idempotency-Key` for POST requests that carry one."""
    key = idempotency_key(event)
    if event.get("httpMethod") != "POST" or key is None:
        return respond(event, context)

    if not KEY_PATTERN.match(key):
        details = [{"field": "Idempotency-Key", "message": "1 to 255 printable ASCII characters"}]
        return proxy_result(ValidationFailedError("the Idempotency-Key is not valid", details))

    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    request = {
        "tenant": authorizer.get("tenantId"),
        "method": event["httpMethod"],
        "path": event.get("path"),
        "key": key,
        "body": event.get("body") or "",
    }
    _config().register_lambda_context(context)
    try:
        return _remembered()(request=request, respond=respond, event=event, context=context)
    except _ServerFault as fault:
        return fault.response
    except IdempotencyValidationError:
        message = "this Idempotency-Key was used with another request body or path"
        return proxy_result(IdempotencyKeyReusedError(message))
    except IdempotencyAlreadyInProgressError:
        message = "a request with this Idempotency-Key is still being processed"
        return proxy_result(IdempotencyKeyReusedError(message))
