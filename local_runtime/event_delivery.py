"""EventBridge targets moto cannot reach: the template's rules, delivered in this process.

moto delivers a rule's events to SQS queues, log groups and other buses, but not
to SNS topics or Lambda functions. The local runtime therefore keeps the
template's rules itself: every event moto's EventBridge accepts, from a handler
or from any other process speaking to the local endpoint, is matched against
them (with moto's own pattern matcher) and sent to their targets, an
`InputTransformer` applied. A Lambda target is invoked asynchronously, retried
twice as Lambda retries an asynchronous invocation, and then left in the
target's dead-letter queue. Schedules do not tick on their own: `fire_schedule`
sends a rule's "Scheduled Event" when a test or a command asks for it. Rules a
test creates through the API are still moto's.
"""

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from local_runtime.lambdas import FunctionRegistry
from local_runtime.template import ACCOUNT, REGION

log = logging.getLogger(__name__)


@dataclass
class LocalRule:
    name: str
    bus: str
    pattern: Any
    targets: list[dict[str, Any]]


class EventDelivery:
    def __init__(self, functions: FunctionRegistry) -> None:
        self.functions = functions
        self.rules: list[LocalRule] = []
        self.schedules: dict[str, LocalRule] = {}
        self.delivered: list[tuple[str, dict[str, Any]]] = []
        self.dead_letters: list[tuple[str, Any]] = []

    def add_rule(self, name: str, properties: dict[str, Any]) -> None:
        from moto.events.models import EventPattern

        targets = properties.get("Targets", [])
        if "ScheduleExpression" in properties:
            self.schedules[name] = LocalRule(name, "default", None, targets)
            return
        pattern = EventPattern.load(json.dumps(properties["EventPattern"]))
        bus = properties.get("EventBusName", "default")
        self.rules.append(LocalRule(name, bus, pattern, targets))

    def install(self) -> None:
        """Watches every event moto's EventBridge accepts, whichever client sent it."""
        global _active
        _active = self
        _patch_put_events()

    def fire_schedule(self, name: str) -> dict[str, Any]:
        """Sends one "Scheduled Event" of the schedule rule `name` to its targets."""
        rule = self.schedules[name]
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{name}"],
            "detail": {},
        }
        for target in rule.targets:
            self._send(target, event)
        return event

    def deliver(self, event: dict[str, Any], bus: str) -> None:
        for rule in self.rules:
            if rule.bus == bus and rule.pattern.matches_event(event):
                for target in rule.targets:
                    self._send(target, event)

    def _send(self, target: dict[str, Any], event: dict[str, Any]) -> None:
        payload: Any = _transform(target["InputTransformer"], event) if "InputTransformer" in target else event
        arn = target["Arn"]
        self.delivered.append((arn, payload))
        if ":sns:" in arn:
            message = payload if isinstance(payload, str) else json.dumps(payload)
            boto3.client("sns").publish(TopicArn=arn, Message=message)
        elif ":lambda:" in arn:
            threading.Thread(target=self._invoke_async, args=(target, payload), daemon=True).start()
        else:
            raise ValueError(f"the local runtime cannot deliver to {arn}")

    def _invoke_async(self, target: dict[str, Any], payload: Any) -> None:
        function = self.functions.by_name_or_arn(target["Arn"])
        for attempt in range(ASYNC_ATTEMPTS):
            try:
                function.invoke(payload)
                return
            except Exception:
                log.warning("%s failed on attempt %d", function.logical_id, attempt + 1, exc_info=True)
        dead_letter_arn = target.get("DeadLetterConfig", {}).get("Arn")
        if dead_letter_arn:
            sqs = boto3.client("sqs")
            queue_url = sqs.get_queue_url(QueueName=dead_letter_arn.rsplit(":", 1)[1])["QueueUrl"]
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(payload))

        # Counted only once the message is in the queue, so a reader never sees one without the other.
        self.dead_letters.append((function.logical_id, payload))


ASYNC_ATTEMPTS = 3
_active: EventDelivery | None = None


def _patch_put_events() -> None:
    """Hands every entry moto's EventBridge accepted to the active delivery, once patched."""
    from moto.events.models import EventsBackend

    if getattr(EventsBackend.put_events, "local_delivery", False):
        return
    accept = EventsBackend.put_events

    def put_events(backend: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results = accept(backend, entries)
        for entry, result in zip(entries, results, strict=False):
            if _active is not None and "EventId" in result:
                bus = str(entry.get("EventBusName") or "default").rsplit("/", 1)[-1]
                _active.deliver(_event_of(entry, result["EventId"]), bus)
        return results

    put_events.local_delivery = True  # type: ignore[attr-defined]
    EventsBackend.put_events = put_events  # type: ignore[method-assign, assignment]


def _event_of(entry: dict[str, Any], event_id: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id or str(uuid.uuid4()),
        "detail-type": entry["DetailType"],
        "source": entry["Source"],
        "account": ACCOUNT,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": entry.get("Resources", []),
        "detail": json.loads(entry.get("Detail") or "{}"),
    }


def _transform(transformer: dict[str, Any], event: dict[str, Any]) -> Any:
    """EventBridge's InputTransformer: `<name>` in the template becomes the value at its path."""
    values = {name: _at_path(event, path) for name, path in transformer.get("InputPathsMap", {}).items()}
    text = re.sub(
        r"<([A-Za-z0-9_.-]+)>", lambda match: str(values.get(match.group(1), "")), transformer["InputTemplate"]
    )
    try:
        return json.loads(text)
    except ValueError:
        return text


def _at_path(event: dict[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.removeprefix("$.").split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value
