"""Outcomes published to the stack's EventBridge bus, source `order-activation`."""

import json
from typing import Any

from order_activation import aws
from order_activation.observability import logger
from order_activation.settings import settings

SOURCE = "order-activation"


def _events() -> Any:
    return aws.client("events")


def publish(detail_type: str, tenant_id: str, detail: dict[str, Any]) -> None:
    """Publishes one event; a failed entry is raised, so the step retries it."""
    entry = {
        "Source": SOURCE,
        "DetailType": detail_type,
        "Detail": json.dumps({"tenantId": tenant_id} | detail, default=str),
        "EventBusName": settings().event_bus_name,
    }
    response = _events().put_events(Entries=[entry])

    if response.get("FailedEntryCount"):
        raise RuntimeError(f"event {detail_type} was not accepted: {response['Entries']}")
    logger.info("event published", detail_type=detail_type)
