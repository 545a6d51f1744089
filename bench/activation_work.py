"""The work one activation does, counted once per run and shared by `bench_requests` and
`bench_cost`: every AWS and Stripe request, Lambda invocation and state transition of
one activation of 1, 20 and 200 lines, and of the baseline on the same orders.

An activation is started without `Prefer: wait` (202) and followed by reading the
execution from Step Functions in the benchmark's own thread, so the count holds only what
the service does, not how often a client polls. The window closes once Stripe's webhook
for the charge was handled, which is counted with the activation.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3

from bench.local_stack import WEBHOOK_FUNCTION, Call, Invocation, Running, Tenant, running

LINE_COUNTS = (1, 20, 200)
CHANGE_COUNTS = (1, 10)
CHANGE_ORDER_LINES = 22
"""Lines of the order whose subscriptions the change orders change (11 of them recur)."""


@dataclass
class Work:
    """What the meter saw during one activation (or one baseline run)."""

    calls: list[Call]
    invocations: list[Invocation]
    transitions: int = 0
    seconds: float = 0.0
    order_item_bytes: int = 0
    memory_mb: dict[str, int] | None = None


def _execution_arn(activation_id: str) -> str:
    machine = os.environ["STATE_MACHINE_ARN"]
    return f"{machine.replace(':stateMachine:', ':execution:')}:{activation_id}"


def _transitions(execution_arn: str) -> int:
    """States entered, as Step Functions Standard bills them (one transition per state)."""
    client = boto3.client("stepfunctions")
    entered, token = 0, None
    while True:
        arguments: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        if token:
            arguments["nextToken"] = token
        page = client.get_execution_history(**arguments)
        entered += sum(1 for event in page["events"] if event["type"].endswith("StateEntered"))
        token = page.get("nextToken")
        if not token:
            return entered


def _activation(handle: Running, tenant: Tenant, line_count: int) -> Work:
    return _counted(handle, tenant, tenant.order(line_count))


def _counted(handle: Running, tenant: Tenant, order: dict[str, Any]) -> Work:
    sfn = boto3.client("stepfunctions")
    before = handle.meter.invoked[WEBHOOK_FUNCTION]

    with handle.meter.window() as window:
        started = time.perf_counter()
        activation = tenant.activate(order["id"], wait=False)
        execution = _execution_arn(activation["activationId"])
        while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        handle.settle(before, 1)

    status = sfn.describe_execution(executionArn=execution)["status"]
    if status != "SUCCEEDED":
        raise RuntimeError(f"activation {activation['activationId']} ended {status}")

    memory = {name: function.memory for name, function in handle.stack.functions.functions.items()}
    order_key = (os.environ["RECORDS_TABLE"], f"{tenant.tenant_id}#ORDER#{order['id']}", "ORDER")
    return Work(
        calls=window.calls,
        invocations=window.invocations,
        transitions=_transitions(execution),
        seconds=seconds,
        order_item_bytes=handle.meter.item_sizes.get(order_key, (0, 0))[0],
        memory_mb=memory,
    )


def _baseline(handle: Running, tenant: Tenant, line_count: int) -> Work:
    from bench.baseline import Baseline
    from local_runtime.stripe_stand_in import LOCAL_API_KEY

    baseline = Baseline(tenant.tenant_id, handle.stack.stripe_url, LOCAL_API_KEY)
    prepared = baseline.prepare(tenant.order(line_count))
    before = handle.meter.invoked[WEBHOOK_FUNCTION]

    with handle.meter.window() as window, handle.meter.acting_as("baseline"):
        started = time.perf_counter()
        baseline.run(prepared)
        seconds = time.perf_counter() - started
    handle.settle(before, 1)

    own = [call for call in window.calls if call.caller == "baseline"]
    return Work(calls=own, invocations=[], seconds=seconds)


def _change_orders(handle: Running) -> dict[int, Work]:
    """Change orders raising the quantity of 1 and of 10 subscriptions of one activated order."""
    tenant = Tenant(handle.url)
    activation = tenant.activate(tenant.order(CHANGE_ORDER_LINES)["id"])
    subscriptions = iter(activation["subscriptions"])

    changed = {}
    for count in CHANGE_COUNTS:
        changes = [
            {
                "changeType": "UPDATE_QUANTITY",
                "subscriptionId": subscription["id"],
                "quantity": subscription["quantity"] + 1,
            }
            for subscription in (next(subscriptions) for _ in range(count))
        ]
        change_order = tenant.post(
            "/change-orders", {"customerId": tenant.customer, "effectiveDate": "2026-03-15", "changes": changes}
        )
        changed[count] = _counted(handle, tenant, change_order)
    return changed


@cache
def measure() -> dict[str, Any]:
    """One activation and one baseline run per line count, after a first activation for
    the customer (which also links the customer to Stripe); returns what each did."""
    handle = running()
    tenant = Tenant(handle.url)
    first = _activation(handle, tenant, 1)

    activations = {count: _activation(handle, tenant, count) for count in LINE_COUNTS}
    baselines = {count: _baseline(handle, tenant, count) for count in LINE_COUNTS}
    changes = _change_orders(handle)
    return {"first": first, "activations": activations, "baselines": baselines, "changes": changes}


def requests_by_operation() -> dict[str, dict[str, int]]:
    """Requests by service and operation of a 1-line activation and of change orders of 1 and
    10 subscriptions, each after the customer's first activation; for comparing code versions."""
    handle = running()
    tenant = Tenant(handle.url)
    _activation(handle, tenant, 1)

    counted = {"1-line activation": _activation(handle, tenant, 1)}
    counted |= {f"change order of {count}": work for count, work in _change_orders(handle).items()}
    return {
        name: dict(Counter(f"{call.service} {call.operation}" for call in work.calls)) for name, work in counted.items()
    }
