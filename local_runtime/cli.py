"""`order-activation`: the service's command line.

`order-activation batch ORDERS_FILE --tenant T` publishes `ActivateOrders`
events for the order ids in the file (one per line, or a JSON array), shows a
progress bar while the batches run, then prints their summary. It speaks to
whatever AWS endpoint the environment names: a deployed stack, or the local
runtime (`make serve` prints the variables to export).
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from tqdm import tqdm

from order_activation.batches import ACTIVATE_ORDERS, batch_id_for
from order_activation.models.batches import BatchRecord
from order_activation.storage.repositories import Batches

IDS_PER_EVENT = 2_000
ENTRIES_PER_PUT = 10
SOURCE = "order-activation.cli"


@dataclass
class BatchRun:
    batch_ids: list[str]
    total: int


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.bus:
        os.environ["EVENT_BUS_NAME"] = arguments.bus
    if arguments.table:
        os.environ["RECORDS_TABLE"] = arguments.table
    missing = [name for name in ("EVENT_BUS_NAME", "RECORDS_TABLE") if not os.environ.get(name)]
    if missing:
        print(f"set {' and '.join(missing)} or pass --bus/--table", file=sys.stderr)
        return 2

    order_ids = read_order_ids(arguments.orders_file)
    if not order_ids:
        print(f"{arguments.orders_file} lists no order ids", file=sys.stderr)
        return 2

    options = {"generateInvoice": arguments.generate_invoice, "activateInvoice": arguments.activate_invoice}
    run = publish(arguments.tenant, order_ids, options)
    records = follow(arguments.tenant, run, arguments.timeout, arguments.poll)
    return report(arguments.tenant, run, records)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="order-activation")
    commands = parser.add_subparsers(dest="command", required=True)
    batch = commands.add_parser("batch", help="activate the orders listed in a file, as one batch per event")
    batch.add_argument("orders_file", type=Path, help="order ids, one per line, or a JSON array")
    batch.add_argument("--tenant", required=True, help="the tenant the orders belong to")
    batch.add_argument("--generate-invoice", action="store_true")
    batch.add_argument("--activate-invoice", action="store_true")
    batch.add_argument("--bus", help="event bus name (default: $EVENT_BUS_NAME)")
    batch.add_argument("--table", help="records table name (default: $RECORDS_TABLE)")
    batch.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the batches")
    batch.add_argument("--poll", type=float, default=1.0, help="seconds between progress reads")
    return parser


def read_order_ids(path: Path) -> list[str]:
    text = path.read_text()
    if text.lstrip().startswith("["):
        return [str(order_id) for order_id in json.loads(text)]
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def publish(tenant_id: str, order_ids: list[str], options: dict[str, Any]) -> BatchRun:
    """One `ActivateOrders` event per 2,000 ids, so each stays far below EventBridge's 256 KiB."""
    unique_ids = list(dict.fromkeys(order_ids))
    chunks = [unique_ids[start : start + IDS_PER_EVENT] for start in range(0, len(unique_ids), IDS_PER_EVENT)]
    entries: list[Any] = [
        {
            "Source": SOURCE,
            "DetailType": ACTIVATE_ORDERS,
            "Detail": json.dumps({"tenantId": tenant_id, "orderIds": chunk, "options": options}),
            "EventBusName": os.environ["EVENT_BUS_NAME"],
        }
        for chunk in chunks
    ]

    events = boto3.client("events")
    batch_ids = []
    for start in range(0, len(entries), ENTRIES_PER_PUT):
        response = events.put_events(Entries=entries[start : start + ENTRIES_PER_PUT])
        for result in response["Entries"]:
            if "EventId" not in result:
                raise RuntimeError(f"an ActivateOrders event was refused: {result.get('ErrorMessage')}")
            batch_ids.append(batch_id_for(result["EventId"], tenant_id))
    return BatchRun(batch_ids=batch_ids, total=len(unique_ids))


def follow(tenant_id: str, run: BatchRun, timeout: float, poll: float) -> dict[str, BatchRecord]:
    """Shows the orders done so far until every batch completed or `timeout` passed."""
    batches = Batches()
    records: dict[str, BatchRecord] = {}
    deadline = time.monotonic() + timeout
    with tqdm(total=run.total, unit="order", file=sys.stderr) as bar:
        while time.monotonic() < deadline:
            for batch_id in run.batch_ids:
                record = batches.get(tenant_id, batch_id)
                if record is not None:
                    records[batch_id] = record
            bar.update(sum(record.done for record in records.values()) - bar.n)
            if len(records) == len(run.batch_ids) and all(r.status == "COMPLETED" for r in records.values()):
                break
            time.sleep(poll)
    return records


def report(tenant_id: str, run: BatchRun, records: dict[str, BatchRecord]) -> int:
    """Prints the summary; 0 when every order activated or was skipped, 1 on failures, 3 when unfinished."""
    succeeded = sum(record.succeeded for record in records.values())
    failed = sum(record.failed for record in records.values())
    skipped = sum(record.skipped for record in records.values())
    finished = len(records) == len(run.batch_ids) and all(r.status == "COMPLETED" for r in records.values())

    print(f"batches: {', '.join(run.batch_ids)}")
    print(f"orders: {run.total}  succeeded: {succeeded}  failed: {failed}  skipped: {skipped}")
    batches = Batches()
    for batch_id in run.batch_ids:
        for order_id in batches.failed_order_ids(tenant_id, batch_id, limit=run.total):
            print(f"failed: {order_id}")
    if not finished:
        print("not finished: the batches are still running", file=sys.stderr)
        return 3
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
