"""Benchmark: the storage, Stripe and orchestration work of one activation, by order size.

Counts every request of one activation of 1, 20 and 200 lines (see
`bench/activation_work.py`), by service and operation, with the Lambda invocations and
Step Functions state transitions, against the baseline of `bench/baseline.py` on an order
of the same lines. What must hold: requests grow with batches of items (BatchWriteItem
carries 25 items, BatchGetItem 100), never one request per record.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from bench.activation_work import CHANGE_COUNTS, LINE_COUNTS, Work, measure
from bench.local_stack import STATE_MACHINE

WRITE_OPERATIONS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _operations(work: Work) -> Counter[tuple[str, str]]:
    return Counter((call.service, call.operation) for call in work.calls)


def _summary(work: Work) -> dict[str, Any]:
    aws = [call for call in work.calls if call.service != "Stripe"]
    dynamodb = [call for call in work.calls if call.service == "DynamoDB"]
    writes = [call for call in dynamodb if call.operation in WRITE_OPERATIONS]
    by_function: Counter[str] = Counter(call.caller for call in work.calls)
    write_units: Counter[tuple[str, str]] = Counter()
    for call in dynamodb:
        write_units[(call.caller, call.operation)] += int(call.write_units)
    return {
        "operations": _operations(work),
        "by_caller": Counter((call.caller, call.service, call.operation) for call in work.calls),
        "write_units_by_caller": write_units,
        "aws_requests": len(aws),
        "stripe_requests": sum(1 for call in work.calls if call.service == "Stripe"),
        "dynamodb_requests": len(dynamodb),
        "write_requests": len(writes),
        "records_written": sum(call.records for call in writes),
        "read_units": sum(call.read_units for call in dynamodb),
        "write_units": sum(call.write_units for call in dynamodb),
        "invocations": len(work.invocations),
        "invocations_by_function": Counter(invocation.function for invocation in work.invocations),
        "requests_by_function": by_function,
        "transitions": work.transitions,
        "order_item_kib": work.order_item_bytes / 1024,
        "seconds": work.seconds,
    }


def run() -> dict[str, Any]:
    measured = measure()
    activations = {count: _summary(measured["activations"][count]) for count in LINE_COUNTS}
    baselines = {count: _summary(measured["baselines"][count]) for count in LINE_COUNTS}
    first = _summary(measured["first"])
    steady = activations[LINE_COUNTS[0]]
    extra = first["operations"] - steady["operations"]
    changes = {count: _summary(measured["changes"][count]) for count in CHANGE_COUNTS}
    return {"activations": activations, "baselines": baselines, "first_extra": dict(extra), "changes": changes}


def _requests(figures: dict[str, Any]) -> int:
    return int(figures["aws_requests"] + figures["stripe_requests"])


def _label(service: str, operation: str) -> str:
    if service == "Lambda" and operation == "Invoke":
        return "Lambda Invoke (by the state machine)"
    if service == "SNS" and operation == "Publish":
        return "SNS Publish (the bus rule's delivery, made by EventBridge on AWS)"
    return f"{service} {operation}"


def markdown(results: dict[str, Any]) -> str:
    activations, baselines = results["activations"], results["baselines"]
    counts = list(activations)
    operations = sorted({key for figures in activations.values() for key in figures["operations"]})
    header = "| request | " + " | ".join(f"{count} line{'s' if count > 1 else ''}" for count in counts) + " |"
    rule = "| --- | " + " | ".join("---:" for _ in counts) + " |"

    rows = [
        "One activation (invoice, PDF, card payment) started without `Prefer: wait`, counted from the",
        "request until Stripe's webhook for the charge was handled; the customer already has its Stripe",
        "customer. Counted in process: every botocore API call, every Stripe SDK request, every Lambda",
        "invocation of the local runtime, and the states each execution entered.",
        "",
        header,
        rule,
    ]
    for service, operation in operations:
        values = " | ".join(str(activations[count]["operations"].get((service, operation), 0)) for count in counts)
        rows.append(f"| {_label(service, operation)} | {values} |")

    def line(label: str, key: str, fmt: str = "{}") -> str:
        return f"| **{label}** | " + " | ".join(fmt.format(activations[count][key]) for count in counts) + " |"

    rows += [
        line("AWS requests", "aws_requests"),
        line("Stripe requests", "stripe_requests"),
        line("Lambda invocations", "invocations"),
        line("Step Functions state transitions", "transitions"),
        line("DynamoDB items written", "records_written"),
        line("DynamoDB write requests", "write_requests"),
        "| **items per write request** | "
        + " | ".join(
            f"{activations[count]['records_written'] / max(activations[count]['write_requests'], 1):.1f}"
            for count in counts
        )
        + " |",
        line("DynamoDB write request units (estimated)", "write_units", "{:.0f}"),
        line("DynamoDB read request units (estimated)", "read_units", "{:.1f}"),
        line("order item size (KiB)", "order_item_kib", "{:.1f}"),
    ]

    rows += [
        "",
        "Against the baseline (records in batches of 25, the order's status, the PDF, one PaymentIntent):",
        "",
        "| | " + " | ".join(f"{count} line{'s' if count > 1 else ''}" for count in counts) + " |",
        rule,
        "| baseline AWS requests | " + " | ".join(str(baselines[c]["aws_requests"]) for c in counts) + " |",
        "| baseline Stripe requests | " + " | ".join(str(baselines[c]["stripe_requests"]) for c in counts) + " |",
        "| baseline DynamoDB items written | "
        + " | ".join(str(baselines[c]["records_written"]) for c in counts)
        + " |",
        "| activation AWS + Stripe requests / baseline | "
        + " | ".join(f"{_requests(activations[c]) / _requests(baselines[c]):.1f}x" for c in counts)
        + " |",
    ]

    largest = counts[-1]
    by_function = activations[largest]["requests_by_function"]
    invocations = activations[largest]["invocations_by_function"]
    rows += [
        "",
        f"Requests by caller for {largest} lines:",
        "",
        "| caller | invocations | requests |",
        "| --- | ---: | ---: |",
    ]
    for caller in sorted(by_function, key=lambda name: (-by_function[name], name)):
        calls = invocations.get(caller, 0) if caller != STATE_MACHINE else "-"
        rows.append(f"| {caller} | {calls} | {by_function[caller]} |")

    units = activations[largest]["write_units_by_caller"]
    top = sorted(units.items(), key=lambda item: -item[1])[:6]
    rows += [
        "",
        f"Where the estimated write units of {largest} lines go (largest six):",
        "",
        "| caller | request | write units |",
        "| --- | --- | ---: |",
        *[f"| {caller} | {operation} | {value} |" for (caller, operation), value in top],
    ]

    rows += ["", *_change_table(results["changes"])]

    extra = results["first_extra"]
    if extra:
        listed = ", ".join(f"{_label(*key)} +{value}" for key, value in sorted(extra.items()))
        rows += ["", f"A customer's first activation adds: {listed}."]

    rows += ["", "What it means:", "", *_meaning(results)]
    return "\n".join(rows)


def _meaning(results: dict[str, Any]) -> list[str]:
    activations, changes = results["activations"], results["changes"]
    smallest, largest = min(activations), max(activations)
    small, large = activations[smallest], activations[largest]
    added_records = large["records_written"] - small["records_written"]
    added_writes = large["write_requests"] - small["write_requests"]
    per_record = added_writes / max(added_records, 1)
    verdict = (
        "requests grow with batches of items, not one per record"
        if per_record < 0.2
        else "write requests grow close to one per record"
    )
    few, many = min(changes), max(changes)
    change_growth = (_requests(changes[many]) - _requests(changes[few])) / (many - few)
    return [
        f"- From {smallest} to {largest} lines an activation writes {added_records} more items with"
        f" {added_writes} more write requests ({per_record:.2f} requests per item): {verdict}."
        " Subscriptions, assets and entitlements go out in BatchWriteItem calls of 25 and are read back by"
        " key in BatchGetItem calls of 100; the fixed part (about"
        f" {small['aws_requests']} AWS requests) is each step recording its step on the activation (which"
        " answers the activation in the same request) and reading the order, numbering, the payment link, events"
        " and the state machine's invocations.",
        f"- The write units grow faster than the requests ({small['write_units']:.0f} to"
        f" {large['write_units']:.0f}): DynamoDB charges an update by the size of the whole item, and the order"
        f" item of {large['order_item_kib']:.0f} KiB is rewritten by the lock, the pricing lock and the"
        " completion (two of them in transactions, which count twice), each time again in the two indexes it"
        " appears in. Keeping an order's status apart from its lines would make those writes about one unit each.",
        f"- A change order is different: each further changed subscription adds about {change_growth:.0f}"
        " requests (listed above). Validate-activation reads the subscription's versions to check it is"
        " unchanged (`_check_subscriptions_unchanged` in `activation/start.py`); ApplySubscriptions reads the"
        " version and writes the next one in a transaction of its own (`_apply_change` in"
        " `activation/steps.py`); GrantAssetsAndEntitlements queries the subscription's entitlements once per"
        " change, records the ones it ends on the activation once, then ends each with a request of its own"
        " (`_move_entitlements`): one request per record, up to 98 changes per order.",
    ]


def _change_table(changes: dict[int, dict[str, Any]]) -> list[str]:
    """Change orders: what each further change adds shows which requests go one per record."""
    few, many = min(changes), max(changes)
    operations = sorted({key for figures in changes.values() for key in figures["operations"]})
    rows = [
        f"Change orders raising the quantity of {few} and of {many} subscriptions (each with its invoice and",
        "payment), and what each further change adds:",
        "",
        f"| request | {few} change | {many} changes | per further change |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key in operations:
        low, high = changes[few]["operations"].get(key, 0), changes[many]["operations"].get(key, 0)
        rows.append(f"| {_label(*key)} | {low} | {high} | {(high - low) / (many - few):.1f} |")
    low, high = _requests(changes[few]), _requests(changes[many])
    rows.append(f"| **AWS + Stripe requests** | {low} | {high} | {(high - low) / (many - few):.1f} |")

    growth = _growth(changes[few]["by_caller"], changes[many]["by_caller"], many - few)
    if growth:
        listed = ", ".join(f"{caller} {service} {operation} +{per:.0f}" for (caller, service, operation), per in growth)
        rows += ["", f"Each further change costs: {listed}."]
    return rows


def _growth(few: Counter[Any], many: Counter[Any], steps: int) -> list[tuple[Any, float]]:
    """Requests that grow with the number of records, and by how many per record."""
    grown = [(key, (many.get(key, 0) - few.get(key, 0)) / steps) for key in many]
    return sorted(((key, per) for key, per in grown if per >= 0.5), key=lambda item: (-item[1], item[0]))


if __name__ == "__main__":
    print(markdown(run()))
