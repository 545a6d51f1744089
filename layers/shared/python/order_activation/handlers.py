"""Lambda entry points built the same way for every function: logged, traced, parsed."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_activation.models.activations import ActivationStepInput
from order_activation.observability import logger, tracer

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def step_handler(step: Callable[[ActivationStepInput], ActivationStepInput]) -> LambdaHandler:
    """The handler of one ActivateOrder step: the state in, the step, the state out."""

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        step_input = ActivationStepInput.model_validate(event)
        return step(step_input).model_dump(mode="json")

    return handler


def api_handler(*routers: APIGatewayRouter, with_openapi: bool = False, idempotent: bool = True) -> LambdaHandler:
    """The handler of an API function serving `routers`, with the contract's error answers."""
    from order_activation.http.app import build_resolver, serve
    from order_activation.http.openapi import add_openapi_route

    app = build_resolver()
    for router in routers:
        app.include_router(router)
    if with_openapi:
        add_openapi_route(app)
    serve_event = serve(app, idempotent=idempotent)

    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return serve_event(event, context)

    return handler
