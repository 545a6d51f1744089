"""EventBridge targets moto cannot reach: the template's rules, delivered in this process.

moto delivers a rule's events to SQS queues, log groups and other buses, but not
to SNS topics or Lambda functions. The local runtime therefore keeps the
template's rules itself: after every `PutEvents` a handler makes, each accepted
entry is matched against them (with moto's own pattern matcher) and sent to its
targets, an `InputTransformer` applied. Rules a test creates through the API are
still moto's.
"""

import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3

from local_runtime.lambdas import FunctionRegistry
from local_runtime.template import ACCOUNT, REGION


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
        self.delivered: list[tuple[str, dict[str, Any]]] = []

    def add_rule(self, name: str, properties: dict[str, Any]) -> None:
        from moto.events.models import EventPattern

        pattern = EventPattern.load(json.dumps(properties["EventPattern"]))
        bus = properties.get("EventBusName", "default")
        self.rules.append(LocalRule(name, bus, pattern, properties.get("Targets", [])))

    def install(self) -> None:
        """Watches every PutEvents call made through boto3's default session in this process."""
        session = boto3._get_default_session()
        session.events.register(
            "provide-client-params.eventbridge.PutEvents", _remember_entries, unique_id="local-delivery-entries"
        )
        session.events.register("after-call.eventbridge.PutEvents", self._after_put_events, unique_id="local-delivery")

    def _after_put_events(self, http_response: Any, parsed: dict[str, Any], model: Any, **kwargs: Any) -> None:
        entries = kwargs.get("context", {}).get("local_entries")
        results = parsed.get("Entries", [])
        for entry, result in zip(entries or [], results, strict=False):
            if "EventId" in result:
                self.deliver(_event_of(entry, result["EventId"]), entry.get("EventBusName", "default"))

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
            function = self.functions.by_name_or_arn(arn)
            threading.Thread(target=function.invoke, args=(payload,), daemon=True).start()
        else:
            raise ValueError(f"the local runtime cannot deliver to {arn}")


def _remember_entries(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """Keeps the entries of a PutEvents call so the after-call hook can deliver them."""
    context["local_entries"] = params.get("Entries", [])


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
