"""Fixtures shared by every tier: the local stack, tenants with their own API keys, sample events."""

import json
import os
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

EVENTS = Path(__file__).resolve().parent.parent / "events"


def sample_event(name: str) -> dict[str, Any]:
    return dict(json.loads((EVENTS / name).read_text()))


class ApiClient:
    """Speaks to the local API as one tenant."""

    def __init__(self, url: str, api_key: str | None, tenant_id: str) -> None:
        self.url = url
        self.tenant_id = tenant_id
        self.session = requests.Session()
        if api_key:
            self.session.headers["x-api-key"] = api_key

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=60, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        if body is not None:
            kwargs["json"] = body
        return self.session.post(self.url + path, timeout=60, **kwargs)

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.post(path, body)
        assert response.status_code == 201, response.text
        return dict(response.json())


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    from local_runtime.stack import LocalStack

    running = LocalStack().start()
    yield running
    running.stop()


def new_tenant(stack: Any) -> ApiClient:
    from order_activation.api_keys import register_key

    tenant_id = f"tenant-{secrets.token_hex(4)}"
    api_key = f"key-{secrets.token_urlsafe(16)}"
    register_key(tenant_id, api_key)
    return ApiClient(stack.url, api_key, tenant_id)


@pytest.fixture
def api(stack: Any) -> ApiClient:
    """A fresh tenant, so every test starts with empty lists and its own numbering."""
    return new_tenant(stack)


@pytest.fixture
def other_api(stack: Any) -> ApiClient:
    return new_tenant(stack)


@pytest.fixture
def anonymous(stack: Any) -> ApiClient:
    return ApiClient(stack.url, None, "nobody")


@pytest.fixture
def faults(stack: Any) -> Iterator[Any]:
    """The local runtime's fault injector, disarmed again after the test."""
    injector = stack.functions.faults
    injector.clear()
    yield injector
    injector.clear()


@pytest.fixture
def bus_events(stack: Any) -> Any:
    """Reads what the service publishes to its bus, through a rule and an SQS queue."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    queue_url = sqs.create_queue(QueueName=f"bus-{os.getpid()}-{threading.get_ident()}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = os.environ["EVENT_BUS_NAME"]
    rule = f"everything-{os.getpid()}"
    events.put_rule(Name=rule, EventBusName=bus, EventPattern=json.dumps({"source": ["order-activation"]}))
    events.put_targets(Rule=rule, EventBusName=bus, Targets=[{"Id": "queue", "Arn": queue_arn}])

    def received() -> list[dict[str, Any]]:
        messages = []
        while True:
            batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
            if not batch:
                return messages
            messages.extend(json.loads(message["Body"]) for message in batch)

    yield received
    events.remove_targets(Rule=rule, EventBusName=bus, Ids=["queue"])
    events.delete_rule(Name=rule, EventBusName=bus)
