"""The baseline an activation is measured against: only the storage and Stripe work no
implementation can avoid, done directly in one process against the same local endpoints.

For an order it writes every record an activation leaves behind (a subscription or an
asset per line, the entitlements of each line's product, the invoice with its lines,
the payment and the activation) in DynamoDB batches of 25, marks the order ACTIVATED,
puts the invoice PDF into S3 and charges the customer's saved card with one confirmed
PaymentIntent. Everything else an activation does (checks, pricing again, numbering,
a payment link, events, Step Functions, the Lambda hops) is what the ratio to it shows.
The PDF is rendered beforehand, outside the timing; `bench_pdf` measures rendering.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
import stripe

from bench.bench_pdf import make_invoice
from order_activation.invoice_pdf import render_invoice_pdf

FEATURES = {"MONTH": ("seats", "sso"), "ONE_TIME": ("onboarding-workshop",)}


@dataclass
class Prepared:
    order_key: dict[str, str]
    items: list[dict[str, Any]]
    pdf_key: str
    pdf: bytes
    amount: int


@cache
def _pdf(line_count: int) -> bytes:
    return render_invoice_pdf(make_invoice(line_count))


class Baseline:
    """Direct writes for one tenant's orders; `prepare` is untimed, `run` is the baseline."""

    def __init__(self, tenant_id: str, stripe_url: str, stripe_key: str) -> None:
        self.tenant_id = tenant_id
        self.table = boto3.resource("dynamodb").Table(os.environ["RECORDS_TABLE"])
        self.s3 = boto3.client("s3")
        self.bucket = os.environ["INVOICE_BUCKET"]
        self.stripe = stripe.StripeClient(stripe_key, base_addresses={"api": stripe_url})
        customer = self.stripe.v1.customers.create(params={"name": "Baseline customer"})
        method = self.stripe.v1.payment_methods.attach("pm_card_visa", params={"customer": customer.id})
        self.customer, self.payment_method = str(customer.id), str(method.id)

    def prepare(self, order: dict[str, Any]) -> Prepared:
        tenant, run = self.tenant_id, secrets.token_hex(6)
        items: list[dict[str, Any]] = []
        for line in order["lines"]:
            kind = "ASSET" if line["billingPeriod"] == "ONE_TIME" else "SUBSCRIPTION"
            record = {key: _storable(value) for key, value in line.items() if value is not None} | {
                "status": "ACTIVE",
                "customerId": order["customerId"],
                "orderId": order["id"],
            }
            record_id = f"{kind[:3].lower()}_{run}{line['id'][-12:]}"
            items.append(self._item(f"{kind}#{record_id}", kind, record, order["customerId"], run))
            for feature in FEATURES["ONE_TIME" if kind == "ASSET" else "MONTH"]:
                entitlement = {
                    "feature": feature,
                    "quantity": line["quantity"],
                    "startDate": line["startDate"],
                    "endDate": line.get("endDate"),
                    "owner": record_id,
                    "status": "ACTIVE",
                }
                items.append(self._item(f"ENTITLEMENT#{record_id}{feature}", "ENTITLEMENT", entitlement, "", run))

        invoice_lines = [
            {
                "description": f"{line['sku']} x{line['quantity']}",
                "productId": line["productId"],
                "quantity": line["quantity"],
                "unitPrice": line["unitPrice"],
                "amount": line["netAmount"],
                "taxAmount": line["taxAmount"],
                "periodStart": line["startDate"],
            }
            for line in order["lines"]
        ]
        invoice = {"lines": invoice_lines, "total": order["total"], "status": "ACTIVE", "number": "INV-BASE"}
        items.append(self._item(f"INVOICE#inv_{run}", "INVOICE", invoice, order["customerId"], run))
        items.append(self._item(f"PAYMENT#inv_{run}", "PAYMENT", {"status": "SUCCEEDED"}, "", run))
        items.append(self._item(f"ACTIVATION#act_{run}", "ACTIVATION", {"status": "SUCCEEDED"}, "", run))

        return Prepared(
            order_key={"pk": f"{tenant}#ORDER#{order['id']}", "sk": "ORDER"},
            items=items,
            pdf_key=f"{tenant}/baseline/{run}.pdf",
            pdf=_pdf(len(order["lines"])),
            amount=int(Decimal(order["total"]) * 100),
        )

    def _item(self, key: str, kind: str, record: dict[str, Any], customer_id: str, run: str) -> dict[str, Any]:
        tenant = self.tenant_id
        return record | {
            "pk": f"{tenant}#{key}",
            "sk": kind,
            "gsi1pk": f"{tenant}#CUSTOMER#{customer_id}#{kind}",
            "gsi1sk": key,
            "gsi3pk": f"{tenant}#ACTIVATION#{run}",
            "gsi3sk": key,
        }

    def run(self, prepared: Prepared) -> None:
        """The unavoidable work: records in batches, the order's status, the PDF, one charge."""
        with self.table.batch_writer() as writer:
            for item in prepared.items:
                writer.put_item(Item=item)
        self.table.update_item(
            Key=prepared.order_key,
            UpdateExpression="SET #status = :activated",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":activated": "ACTIVATED"},
        )
        self.s3.put_object(Bucket=self.bucket, Key=prepared.pdf_key, Body=prepared.pdf, ContentType="application/pdf")
        self.stripe.v1.payment_intents.create(
            params={
                "amount": prepared.amount,
                "currency": "usd",
                "customer": self.customer,
                "payment_method": self.payment_method,
                "confirm": True,
                "off_session": True,
            }
        )


def _storable(value: Any) -> Any:
    """JSON numbers with a fraction come back as floats, which DynamoDB refuses."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {key: _storable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_storable(inner) for inner in value]
    return value
