"""The embedded local stack shared by the activation benchmarks, with a meter on it.

One `LocalStack` is started per `make bench` run (the first benchmark that needs it
starts it) and stopped when the process exits. The meter sees, in this process:

* every AWS API call, by wrapping `botocore.client.BaseClient._make_api_call`. An event
  hook on boto3's default session would miss clients made before it was registered
  (botocore copies the session's hooks into a client when it is made) and the clients
  Powertools builds from sessions of its own (Parameters, Idempotency); the wrapper
  also runs before the local runtime's `before-call.lambda.Invoke` hook answers, so
  the state machine's Lambda invocations are counted too;
* every Stripe HTTP request, by wrapping the Stripe SDK's HTTP client;
* every Lambda invocation, by wrapping `invoke` of each function of the local
  runtime's registry, which also tells which function made each call above (the
  handlers run in the calling thread).

A call made by no function in a thread of the benchmark itself is the benchmark's own
(setup, polling) and is left out of every figure; a Lambda invocation made by no function
in another thread is the state machine's (moto runs executions in threads of its own),
and any other such call the local runtime's (its delivery of the bus's events).
"""

from __future__ import annotations

import atexit
import math
import secrets
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import requests

STATE_MACHINE = "state machine"
LOCAL_RUNTIME = "local runtime"
"""Calls made outside any function by the local runtime itself (its event delivery)."""
DRIVER = "benchmark"
WEBHOOK_FUNCTION = "StripeWebhookFunction"
ITEM_OVERHEAD = 100
"""Bytes DynamoDB adds to each stored item (and to each index copy) for storage."""
APPROVAL_THRESHOLD = "1000000000.00"
"""High enough that no benchmark order waits for a person's approval."""

RECURRING_PRODUCT = {
    "name": "Team plan seat",
    "currency": "USD",
    "billingPeriod": "MONTH",
    "pricingModel": "PER_UNIT",
    "unitPrice": "30.00",
    "entitlements": [{"feature": "seats", "quantityPerUnit": 1}, {"feature": "sso"}],
}
ONE_TIME_PRODUCT = {
    "name": "Guided onboarding",
    "currency": "USD",
    "billingPeriod": "ONE_TIME",
    "pricingModel": "FLAT",
    "unitPrice": "1500.00",
    "entitlements": [{"feature": "onboarding-workshop", "quantityPerUnit": 2}],
}
CUSTOMER = {
    "name": "Acme Analytics",
    "email": "billing@acme.example.com",
    "currency": "USD",
    "address": {"line1": "100 Congress Ave", "city": "Austin", "region": "TX", "postalCode": "78701", "country": "US"},
    "taxRate": "0.0825",
    "paymentMethod": "pm_card_visa",
}
ACTIVATE_BODY = {"generateInvoice": True, "activateInvoice": True}


@dataclass
class Call:
    """One AWS or Stripe request, who made it, how long it took and what it weighed."""

    caller: str
    service: str
    operation: str
    seconds: float
    cpu_seconds: float = 0.0
    read_units: float = 0.0
    write_units: float = 0.0
    stored_bytes: int = 0
    entries: int = 0
    records: int = 0
    """Items a DynamoDB write carried (a batch or a transaction carries many)."""
    item_bytes: int = 0
    """Size of the item a GetItem answered."""


@dataclass
class Invocation:
    """One Lambda invocation: the function, when it started, how long it ran, how much
    of that it spent in AWS and Stripe calls, and the CPU time of its thread (the handler's
    own work, the SDKs' serializing and parsing included; moto's and Stripe's not)."""

    function: str
    started: float
    seconds: float
    waiting: float
    cpu_seconds: float


@dataclass
class Window:
    """What the meter saw between two points in time."""

    calls: list[Call] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)

    def functions_of(self, name: str) -> list[Invocation]:
        return [invocation for invocation in self.invocations if invocation.function == name]


class _Frame:
    def __init__(self, function: str) -> None:
        self.function = function
        self.waiting = 0.0


class Meter:
    """Counts and times the requests and invocations of the process (see the module docstring)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._lock = threading.Lock()
        self._windows: list[Window] = []
        self.item_sizes: dict[tuple[str, str, str], tuple[int, int]] = {}
        """The last size seen of each item, and how many indexes it appears in, by table and key."""
        self.invoked: Counter[str] = Counter()

    # which function is running in this thread
    def _stack(self) -> list[_Frame]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def caller(self) -> str:
        stack = self._stack()
        if stack:
            return stack[-1].function
        return DRIVER if getattr(self._local, "driver", False) else STATE_MACHINE

    def mark_driver(self) -> None:
        """Calls this thread makes outside any function are the benchmark's own."""
        self._local.driver = True

    @contextmanager
    def acting_as(self, name: str) -> Iterator[None]:
        """Counts what this thread does meanwhile as the work of `name` (a baseline)."""
        stack = self._stack()
        stack.append(_Frame(name))
        try:
            yield
        finally:
            stack.pop()

    @contextmanager
    def window(self) -> Iterator[Window]:
        window = Window()
        with self._lock:
            self._windows.append(window)
        try:
            yield window
        finally:
            with self._lock:
                self._windows.remove(window)

    def _record(self, item: Call | Invocation) -> None:
        with self._lock:
            for window in self._windows:
                if isinstance(item, Call):
                    window.calls.append(item)
                else:
                    window.invocations.append(item)

    def _called(self, call: Call) -> None:
        stack = self._stack()
        if stack:
            stack[-1].waiting += call.seconds
        if call.caller != DRIVER:
            self._record(call)

    # wrappers
    def install(self, functions: Any) -> None:
        self._wrap_botocore()
        self._wrap_stripe()
        for function in functions.functions.values():
            self._wrap_function(function)

    def _wrap_botocore(self) -> None:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        if getattr(original, "metered", False):
            return
        meter = self

        def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            caller = meter.caller()
            started, cpu = time.perf_counter(), time.thread_time()
            response = original(client, operation, params)
            seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
            service = client.meta.service_model.service_id
            if caller == STATE_MACHINE and (service, operation) != ("Lambda", "Invoke"):
                caller = LOCAL_RUNTIME
            call = Call(caller, service, operation, seconds, cpu)
            meter._weigh(call, params, response)
            meter._called(call)
            return response

        make_api_call.metered = True  # type: ignore[attr-defined]
        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]

    def _wrap_stripe(self) -> None:
        from stripe import _http_client

        original = _http_client.HTTPClient._request_with_retries_internal
        if getattr(original, "metered", False):
            return
        meter = self

        def request(client: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            caller = meter.caller()
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(client, method, url, *args, **kwargs)
            finally:
                operation = f"{method.upper()} {stripe_path(url)}"
                seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
                meter._called(Call(caller, "Stripe", operation, seconds, cpu))

        request.metered = True  # type: ignore[attr-defined]
        _http_client.HTTPClient._request_with_retries_internal = request  # type: ignore[method-assign]

    def _wrap_function(self, function: Any) -> None:
        original = function.invoke
        if getattr(original, "metered", False):
            return
        meter = self

        def invoke(event: Any) -> Any:
            frame = _Frame(function.logical_id)
            stack = meter._stack()
            stack.append(frame)
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(event)
            finally:
                seconds, cpu = time.perf_counter() - started, time.thread_time() - cpu
                stack.pop()
                if stack:
                    stack[-1].waiting += seconds
                with meter._lock:
                    meter.invoked[function.logical_id] += 1
                meter._record(Invocation(function.logical_id, started, seconds, frame.waiting, cpu))

        invoke.metered = True  # type: ignore[attr-defined]
        function.invoke = invoke

    # DynamoDB request units, S3 bytes, bus entries
    def _weigh(self, call: Call, params: dict[str, Any], response: Any) -> None:
        if call.service == "DynamoDB":
            self._weigh_dynamodb(call, params, response if isinstance(response, dict) else {})
        elif call.service == "S3" and call.operation == "PutObject":
            body = params.get("Body") or b""
            call.stored_bytes = len(body) if isinstance(body, bytes | str) else 0
        elif call.service == "EventBridge" and call.operation == "PutEvents":
            call.entries = len(params.get("Entries", []))

    def _weigh_dynamodb(self, call: Call, params: dict[str, Any], response: dict[str, Any]) -> None:
        """Request units by DynamoDB's on-demand rules, from the sizes of the items involved."""
        operation, table = call.operation, str(params.get("TableName", ""))
        if operation in ("GetItem", "BatchGetItem", "Query"):
            call.read_units = self._read_units(operation, table, params, response)
            call.item_bytes = item_size(response["Item"]) if operation == "GetItem" and "Item" in response else 0
            return

        writes = _writes_of(operation, table, params)
        call.records = len(writes)
        for name, kind, body in writes:
            size, indexes = self._size_of(name, body)
            if kind == "Put":
                new_size, indexes = item_size(body), index_count(body)
                if self._key_of(name, body) not in self.item_sizes:
                    call.stored_bytes += (new_size + ITEM_OVERHEAD) * (1 + indexes)
                size = max(size, new_size)
                self._remember(name, body)
            transactional = 2 if operation == "TransactWriteItems" else 1
            call.write_units += write_units(size) * (1 + indexes) * transactional

    def _read_units(self, operation: str, table: str, params: dict[str, Any], response: dict[str, Any]) -> float:
        if operation == "GetItem":
            item = response.get("Item")
            return read_units(self._remember(table, item) if item else 0, params.get("ConsistentRead", False))
        if operation == "Query":
            total = sum(self._remember(table, item) for item in response.get("Items", []))
            return read_units(total, params.get("ConsistentRead", False))

        units = 0.0
        for name, request in params.get("RequestItems", {}).items():
            consistent = request.get("ConsistentRead", False)
            found = response.get("Responses", {}).get(name, [])
            units += sum(read_units(self._remember(name, item), consistent) for item in found)
            units += max(len(request.get("Keys", [])) - len(found), 0) * read_units(0, consistent)
        return units

    def _key_of(self, table: str, item: dict[str, Any]) -> tuple[str, str, str]:
        return table, str(item.get("pk", item.get("keyHash", item.get("id", "")))), str(item.get("sk", ""))

    def _remember(self, table: str, item: dict[str, Any]) -> int:
        size = item_size(item)
        self.item_sizes[self._key_of(table, item)] = (size, index_count(item))
        return size

    def _size_of(self, table: str, key: dict[str, Any]) -> tuple[int, int]:
        """The last size seen of the item with this key, and its indexes (an update is charged
        by the larger of the item's sizes before and after; the size before stands for both)."""
        return self.item_sizes.get(self._key_of(table, key), (item_size(key), 0))


def _writes_of(operation: str, table: str, params: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Each item a write request writes: its table, Put or another kind, and the item or key."""
    if operation == "PutItem":
        return [(table, "Put", params["Item"])]
    if operation in ("UpdateItem", "DeleteItem"):
        return [(table, operation, params["Key"])]
    if operation == "BatchWriteItem":
        return [
            (name, "Put", write["PutRequest"]["Item"])
            if "PutRequest" in write
            else (name, "Delete", write["DeleteRequest"]["Key"])
            for name, batch in params.get("RequestItems", {}).items()
            for write in batch
        ]
    if operation == "TransactWriteItems":
        entries = [next(iter(entry.items())) for entry in params.get("TransactItems", [])]
        return [
            (str(body.get("TableName", "")), kind, body["Item"] if kind == "Put" else body["Key"])
            for kind, body in entries
        ]
    return []


def stripe_path(url: str) -> str:
    """`/v1/payment_methods/pm_123/attach` becomes `/v1/payment_methods/{id}/attach`."""
    path = url.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0]
    segments = path.split("/")
    if len(segments) > 2:
        segments[2] = "{id}"
    return "/" + "/".join(segments)


def item_size(value: Any) -> int:
    """An item's size by DynamoDB's rules (names plus values; numbers about one byte per
    two digits; one byte per element of a list or map plus three for the container)."""
    if isinstance(value, dict):
        return 3 + sum(len(str(name).encode()) + item_size(inner) + 1 for name, inner in value.items())
    if isinstance(value, list | tuple | set):
        return 3 + sum(item_size(inner) + 1 for inner in value)
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float | Decimal):
        return len(str(value).lstrip("-").replace(".", "")) // 2 + 1
    return len(str(value).encode())


def index_count(item: dict[str, Any]) -> int:
    """The global secondary indexes the item appears in (the records table's project every
    attribute, so each holds a full copy and each write is written there too)."""
    return sum(1 for name in item if name.startswith("gsi") and name.endswith("pk"))


def read_units(size: int, consistent: bool) -> float:
    """One unit per 4 KB read strongly consistent, half of it eventually consistent."""
    units = max(math.ceil(size / 4096), 1)
    return float(units) if consistent else units / 2


def write_units(size: int) -> float:
    return float(max(math.ceil(size / 1024), 1))


class Tenant:
    """One tenant of the local API, with its products and a customer whose card is saved."""

    def __init__(self, url: str) -> None:
        from order_activation.api_keys import register_key

        self.url = url
        self.tenant_id = f"bench-{secrets.token_hex(4)}"
        api_key = f"key-{secrets.token_urlsafe(16)}"
        register_key(self.tenant_id, api_key)
        self.session = requests.Session()
        self.session.headers["x-api-key"] = api_key

        self.recurring = self.post("/products", RECURRING_PRODUCT | {"sku": f"SEAT-{secrets.token_hex(3)}"})["id"]
        self.one_time = self.post("/products", ONE_TIME_PRODUCT | {"sku": f"ONB-{secrets.token_hex(3)}"})["id"]
        self.customer = self.post("/customers", CUSTOMER)["id"]

    def post(self, path: str, body: Any, **headers: str) -> dict[str, Any]:
        response = self.session.post(self.url + path, json=body, headers=headers, timeout=120)
        if response.status_code >= 300:
            raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:300]}")
        return dict(response.json())

    def get(self, path: str) -> dict[str, Any]:
        response = self.session.get(self.url + path, timeout=120)
        response.raise_for_status()
        return dict(response.json())

    def order(self, line_count: int) -> dict[str, Any]:
        """A draft order of `line_count` lines, alternately a 12-month seat subscription and
        a one-time onboarding package (the first line is always the subscription)."""
        lines = [
            {"productId": self.recurring, "quantity": 5 + index % 20, "termMonths": 12, "discountPercent": "10"}
            if index % 2 == 0
            else {"productId": self.one_time, "quantity": 1}
            for index in range(line_count)
        ]
        return self.post("/orders", {"customerId": self.customer, "effectiveDate": "2026-01-31", "lines": lines})

    def activate(self, order_id: str, wait: bool = True) -> dict[str, Any]:
        """Activates with invoice and payment; with `wait`, answers once the activation ended."""
        headers = {"Prefer": "wait=25"} if wait else {}
        activation = self.post(f"/orders/{order_id}/activate", ACTIVATE_BODY, **headers)
        if not wait:
            return activation
        while activation["status"] == "RUNNING":
            time.sleep(0.05)
            activation = self.get(f"/activations/{activation['activationId']}")
        if activation["status"] != "SUCCEEDED":
            raise RuntimeError(f"activation {activation['activationId']} ended {activation['status']}")
        return activation


@dataclass
class Running:
    stack: Any
    meter: Meter
    late_webhooks: int = 0
    """Waits for Stripe's webhooks that ran out of time (the next measurement may share the machine)."""

    @property
    def url(self) -> str:
        return str(self.stack.url)

    def settle(self, webhooks_before: int, webhooks_expected: int, timeout: float = 6.0) -> None:
        """Waits until Stripe's webhooks for the charges just made were handled, so the next
        measurement does not share the machine with them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.meter.invoked[WEBHOOK_FUNCTION] - webhooks_before >= webhooks_expected:
                return
            time.sleep(0.05)
        self.late_webhooks += 1


@cache
def running() -> Running:
    """Starts the local stack once for this process, with the meter installed."""
    from local_runtime.stack import LocalStack

    meter = Meter()
    meter.mark_driver()
    stack = LocalStack(parameters={"ApprovalThreshold": APPROVAL_THRESHOLD}).start()
    atexit.register(stack.stop)
    meter.install(stack.functions)
    return Running(stack, meter)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (p95 of 7 samples is the largest)."""
    ordered = sorted(values)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]
