"""`make run`: one real activation end to end on the embedded local runtime.

It creates a product, a customer and a draft order through the HTTP API, activates
the order with an invoice, waits for the outcome, prints it and writes the
invoice PDF to `out/`.
"""

import sys
from datetime import date
from pathlib import Path
from typing import Any

import requests

from local_runtime.stack import LocalStack

API_KEY = "demo-key"
OUTPUT = Path("out")


class Client:
    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["x-api-key"] = API_KEY

    def post(self, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
        response = self.session.post(self.url + path, json=body, headers=headers, timeout=60)
        if response.status_code >= 300:
            raise SystemExit(f"POST {path} answered {response.status_code}: {response.text}")
        return dict(response.json())


def run_demo(client: Client) -> dict[str, Any]:
    seats = client.post(
        "/products",
        {
            "sku": "TEAM-SEAT",
            "name": "Team plan seat",
            "currency": "USD",
            "billingPeriod": "MONTH",
            "pricingModel": "PER_UNIT",
            "unitPrice": "30.00",
            "entitlements": [{"feature": "seats", "quantityPerUnit": 1}, {"feature": "sso"}],
        },
    )
    onboarding = client.post(
        "/products",
        {
            "sku": "ONBOARDING",
            "name": "Guided onboarding",
            "currency": "USD",
            "billingPeriod": "ONE_TIME",
            "pricingModel": "FLAT",
            "unitPrice": "1500.00",
        },
    )
    customer = client.post(
        "/customers",
        {
            "name": "Acme Analytics",
            "email": "billing@acme.example.com",
            "currency": "USD",
            "address": {"line1": "100 Congress Ave", "city": "Austin", "region": "TX", "country": "US"},
            "taxRate": "0.0825",
            "paymentMethod": "pm_card_visa",
        },
    )
    order = client.post(
        "/orders",
        {
            "customerId": customer["id"],
            "effectiveDate": date.today().isoformat(),
            "lines": [
                {"productId": seats["id"], "quantity": 25, "termMonths": 12, "discountPercent": "10"},
                {"productId": onboarding["id"], "quantity": 1},
            ],
        },
    )
    options = {"generateInvoice": True, "activateInvoice": True, "poNumber": "PO-2026-0042"}
    return client.post(f"/orders/{order['id']}/activate", options, Prefer="wait=20")


def save_invoice_pdf(client: Client, invoice_id: str, folder: Path) -> Path:
    """Follows `GET /invoices/{id}/pdf` to its time-limited link and writes the PDF."""
    response = client.session.get(f"{client.url}/invoices/{invoice_id}/pdf", timeout=60)
    response.raise_for_status()

    folder.mkdir(parents=True, exist_ok=True)
    invoice = client.session.get(f"{client.url}/invoices/{invoice_id}", timeout=60).json()
    path = folder / f"invoice-{invoice['invoiceNumber'] or invoice_id}.pdf"
    path.write_bytes(response.content)
    return path


def describe(activation: dict[str, Any]) -> str:
    order = activation["order"]
    currency = order["currency"]
    lines = [
        f"Activation {activation['activationId']}: {activation['status']}",
        f"Order {order['orderNumber']} ({order['id']}): {order['status']}",
        f"  list {order['listTotal']}  discount {order['discountTotal']}  subtotal {order['subtotal']}"
        f"  tax {order['taxTotal']}  total {order['total']} {currency}",
    ]
    for line in order["lines"]:
        term = f"{line['startDate']} to {line['endDate']}" if line["endDate"] else f"from {line['startDate']}"
        lines.append(f"  - {line['sku']} x{line['quantity']} {term}: {line['totalAmount']} {currency}")

    lines.append("Subscriptions:")
    for subscription in activation["subscriptions"]:
        lines.append(
            f"  - {subscription['subscriptionNumber']} v{subscription['version']} {subscription['status']}"
            f" qty {subscription['quantity']}, {subscription['periodAmount']} {currency} per"
            f" {subscription['billingPeriod'].lower()}, next bill {subscription['nextBillingDate']}"
        )
    lines.append("Assets:")
    for asset in activation["assets"]:
        lines.append(f"  - {asset['assetNumber']} qty {asset['quantity']} {asset['status']}")
    lines.append("Entitlements:")
    for entitlement in activation["entitlements"]:
        quantity = "on" if entitlement["quantity"] is None else entitlement["quantity"]
        lines.append(f"  - {entitlement['feature']}: {quantity} ({entitlement['status']})")
    invoice = activation["invoice"]
    payment = activation["payment"]
    if invoice:
        lines.append(
            f"Invoice {invoice['invoiceNumber']} {invoice['status']} ({invoice['paymentStatus']}):"
            f" subtotal {invoice['subtotal']} tax {invoice['taxTotal']} total {invoice['total']} {currency},"
            f" due {invoice['dueDate']}"
        )
        for line in invoice["lines"]:
            period = f"{line['periodStart']} to {line['periodEnd']}" if line["periodEnd"] else "one-time"
            lines.append(f"  - {line['description']}, {period}: {line['amount']} + tax {line['taxAmount']}")
        lines.append(f"  pay online: {invoice['paymentUrl']}")
    if payment:
        failure = f" ({payment['failureMessage']})" if payment["failureMessage"] else ""
        lines.append(
            f"Payment {payment['status']}: {payment['amount']} {payment['currency']}"
            f" as Stripe {payment['externalId']}{failure}"
        )
    if activation["error"]:
        lines.append(f"Error: {activation['error']}")
    return "\n".join(lines)


def main() -> int:
    stack = LocalStack().start()
    try:
        client = Client(stack.url)
        activation = run_demo(client)
        pdf = save_invoice_pdf(client, activation["invoice"]["id"], OUTPUT) if activation["invoice"] else None
    finally:
        stack.stop()

    print(describe(activation))
    if pdf:
        print(f"Invoice PDF written to {pdf}")
    return 0 if activation["status"] == "SUCCEEDED" and activation["order"]["status"] == "ACTIVATED" else 1


if __name__ == "__main__":
    sys.exit(main())
