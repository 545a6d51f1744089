"""Invoices made by activation: lines and taxes, gapless numbers, the PDF in S3."""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import requests
from pypdf import PdfReader

from tests.conftest import ApiClient
from tests.e2e.helpers import activate, draft_order

INVOICE_OPTIONS = {"generateInvoice": True, "activateInvoice": True, "poNumber": "PO-4471", "poDate": "2026-01-15"}


def _pdf_text(api: ApiClient, invoice_id: str) -> str:
    redirect = api.get(f"/invoices/{invoice_id}/pdf", allow_redirects=False)
    assert redirect.status_code == 302
    document = requests.get(redirect.headers["Location"], timeout=30)
    assert document.status_code == 200
    assert document.content.startswith(b"%PDF")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document.content)).pages)


def _stored_versions(tenant_id: str, invoice_id: str) -> list[dict[str, Any]]:
    import os

    listing = boto3.client("s3").list_object_versions(
        Bucket=os.environ["INVOICE_BUCKET"], Prefix=f"{tenant_id}/invoices/{invoice_id}/"
    )
    return list(listing.get("Versions", []))


def test_activation_issues_the_first_invoice_with_its_pdf(api: ApiClient) -> None:
    # GIVEN a draft order for a customer with a Japanese name
    order = draft_order(api, name="株式会社テスト")

    # WHEN it is activated with an invoice, activated at once
    activation = activate(api, order["id"], INVOICE_OPTIONS).json()

    # THEN the invoice bills the first month in advance and the one-time line whole
    assert activation["status"] == "SUCCEEDED", activation["error"]
    invoice = activation["invoice"]
    assert (invoice["invoiceNumber"], invoice["status"], invoice["paymentStatus"]) == (
        "INV-000001",
        "ACTIVE",
        "UNPAID",
    )
    seats, onboarding = invoice["lines"]
    assert (seats["quantity"], seats["unitPrice"], seats["amount"], seats["taxAmount"]) == (
        25,
        "27.00",
        "675.00",
        "55.69",
    )
    assert (seats["periodStart"], seats["periodEnd"]) == ("2026-01-31", "2026-02-27")
    assert (onboarding["amount"], onboarding["taxAmount"], onboarding["periodEnd"]) == ("1500.00", "123.75", None)

    # AND its totals add up its rounded lines
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"], invoice["amountDue"]) == (
        "2175.00",
        "179.44",
        "2354.44",
        "2354.44",
    )

    # AND it is due 30 days after it was issued, with the activation's PO
    issued = date.fromisoformat(invoice["issueDate"])
    assert issued == datetime.now(UTC).date()
    assert date.fromisoformat(invoice["dueDate"]) == issued + timedelta(days=30)
    assert (invoice["poNumber"], invoice["poDate"]) == ("PO-4471", "2026-01-15")
    assert activation["order"]["poNumber"] == "PO-4471"

    # AND its PDF holds the number, every line, the totals and the customer's name
    text = _pdf_text(api, invoice["id"])
    for expected in ("INV-000001", "Team plan seat", "Guided onboarding", "$2,354.44", "$179.44", "PO-4471"):
        assert expected in text
    assert "株式会社テスト" in text

    # AND the invoice reads back the same, with a time-limited link to the PDF
    stored = api.get(f"/invoices/{invoice['id']}").json()
    assert stored["invoiceNumber"] == "INV-000001"
    assert "Expires=" in stored["pdfUrl"] or "X-Amz-Expires=" in stored["pdfUrl"]


def test_a_draft_invoice_gets_its_number_when_activated_later(api: ApiClient) -> None:
    # GIVEN an activation that generates the invoice but leaves it DRAFT
    order = draft_order(api)
    activation = activate(api, order["id"], {"generateInvoice": True}).json()
    draft = activation["invoice"]
    assert (draft["status"], draft["invoiceNumber"]) == ("DRAFT", None)
    assert "DRAFT" in _pdf_text(api, draft["id"])

    # WHEN it is activated through the API
    response = api.post(f"/invoices/{draft['id']}/activate")

    # THEN it is ACTIVE with the tenant's first number and a PDF that shows it
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["invoiceNumber"]) == ("ACTIVE", "INV-000001")
    assert "INV-000001" in _pdf_text(api, draft["id"])

    # AND an ACTIVE invoice cannot be activated again
    again = api.post(f"/invoices/{draft['id']}/activate")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_state")


def _draft_invoices(api: ApiClient, count: int) -> list[str]:
    """Stores `count` DRAFT invoices of one order directly, as its activations would."""
    from order_activation import invoices
    from order_activation.orders import get_order

    order = get_order(api.tenant_id, draft_order(api)["id"])
    drafts = []
    for index in range(count):
        activation_id = f"act_setup_{index}"
        lines = [
            invoices.InvoiceLine(
                description="Seat",
                product_id=order.lines[0].product_id,
                quantity=1,
                unit_price=Decimal("10.00"),
                amount=Decimal("10.00"),
                tax_amount=Decimal("0.83"),
                period_start=None,
                period_end=None,
            )
        ]
        invoice = invoices.draft_invoice(
            invoices.invoice_id_for(activation_id), order, activation_id, lines, date(2026, 1, 31), None, None
        )
        invoices.invoices.add(api.tenant_id, invoice)
        drafts.append(invoice.id)
    return drafts


def test_fifty_invoices_activated_at_once_get_fifty_consecutive_numbers(api: ApiClient) -> None:
    # GIVEN fifty DRAFT invoices of one tenant
    drafts = _draft_invoices(api, 50)

    # WHEN all of them are activated at the same time
    with ThreadPoolExecutor(max_workers=25) as pool:
        responses = list(pool.map(lambda invoice_id: api.post(f"/invoices/{invoice_id}/activate"), drafts))

    # THEN each got its own number, and together they run 1 to 50 without a gap
    assert all(response.status_code == 200 for response in responses), [r.text for r in responses]
    numbers = sorted(response.json()["invoiceNumber"] for response in responses)
    assert numbers == [f"INV-{number:06d}" for number in range(1, 51)]


def test_invoices_are_listed_per_customer_and_hidden_from_other_tenants(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN two invoiced activations of one customer
    first = draft_order(api)
    buyer = first["customerId"]
    invoice = activate(api, first["id"], INVOICE_OPTIONS).json()["invoice"]

    # WHEN the customer's invoices are listed, by the tenant and by another one
    listed = api.get("/invoices", params={"customerId": buyer}).json()
    foreign_list = other_api.get("/invoices", params={"customerId": buyer})
    foreign_read = other_api.get(f"/invoices/{invoice['id']}")
    foreign_pdf = other_api.get(f"/invoices/{invoice['id']}/pdf", allow_redirects=False)

    # THEN the tenant sees its invoice and the other tenant sees nothing
    assert [item["id"] for item in listed["items"]] == [invoice["id"]]
    for response in (foreign_list, foreign_read, foreign_pdf):
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")

    # AND a list without a customer is refused
    assert api.get("/invoices").status_code == 400


def test_a_lost_answer_from_create_invoice_leaves_one_invoice(api: ApiClient, faults: Any) -> None:
    # GIVEN CreateInvoice's first answer gets lost after it stored the draft
    faults.arm("CreateInvoiceFunction", "lost_response_once")
    order = draft_order(api)

    # WHEN the order is activated (the state machine retries the step)
    activation = activate(api, order["id"], INVOICE_OPTIONS).json()

    # THEN it succeeded with exactly one invoice for the customer
    assert faults.triggered == {"CreateInvoiceFunction": 1}
    assert activation["status"] == "SUCCEEDED"
    listed = api.get("/invoices", params={"customerId": order["customerId"]}).json()["items"]
    assert [item["invoiceNumber"] for item in listed] == ["INV-000001"]


def test_a_lost_answer_from_render_invoice_pdf_leaves_one_pdf(api: ApiClient, faults: Any) -> None:
    # GIVEN RenderInvoicePdf's first answer gets lost after it wrote the PDF
    faults.arm("RenderInvoicePdfFunction", "lost_response_once")
    order = draft_order(api)

    # WHEN the order is activated (the step runs twice)
    activation = activate(api, order["id"], INVOICE_OPTIONS).json()

    # THEN one invoice and one stored PDF, written once
    assert faults.triggered == {"RenderInvoicePdfFunction": 1}
    assert activation["status"] == "SUCCEEDED"
    versions = _stored_versions(api.tenant_id, activation["invoice"]["id"])
    assert [version["Key"].rsplit("/", 1)[1] for version in versions] == ["INV-000001.pdf"]


def test_a_failed_pdf_leaves_no_draft_invoice_behind(api: ApiClient, faults: Any) -> None:
    # GIVEN rendering the PDF always fails
    faults.arm("RenderInvoicePdfFunction", "fail_always")
    order = draft_order(api)

    # WHEN the order is activated with a DRAFT invoice
    activation = activate(api, order["id"], {"generateInvoice": True}).json()

    # THEN the activation FAILED and neither the invoice nor a PDF remains
    assert activation["status"] == "FAILED"
    assert activation["error"]["step"] == "RenderInvoicePdf"
    assert activation["invoice"] is None
    assert api.get("/invoices", params={"customerId": order["customerId"]}).json()["items"] == []
    assert activation["subscriptions"] == []


def test_a_numbered_invoice_of_a_failed_activation_is_canceled_not_reused(api: ApiClient, faults: Any) -> None:
    # GIVEN rendering the PDF always fails after the invoice got its number
    faults.arm("RenderInvoicePdfFunction", "fail_always")
    order = draft_order(api)

    # WHEN the order is activated with an ACTIVE invoice
    failed = activate(api, order["id"], INVOICE_OPTIONS).json()

    # THEN the activation FAILED and its numbered invoice is CANCELED, keeping the numbers gapless
    assert failed["status"] == "FAILED"
    listed = api.get("/invoices", params={"customerId": order["customerId"]}).json()["items"]
    assert [(item["invoiceNumber"], item["status"]) for item in listed] == [("INV-000001", "CANCELED")]

    # AND activating again, without the fault, issues the next number
    faults.clear()
    retried = activate(api, order["id"], INVOICE_OPTIONS).json()
    assert retried["status"] == "SUCCEEDED"
    assert retried["invoice"]["invoiceNumber"] == "INV-000002"


def test_a_numbering_lease_left_by_a_crashed_activation_is_taken_over_once_it_expires(api: ApiClient) -> None:
    # GIVEN the tenant's counter at 41, still held by an activation that crashed a minute ago
    from order_activation.storage import dynamo

    counter = {"pk": f"{api.tenant_id}#COUNTER#INVOICE", "sk": "COUNTER"}
    expired = int(datetime.now(UTC).timestamp()) - 60
    dynamo.records_table().put_item(Item=counter | {"value": 41, "holder": "lease_crashed", "expires_at": expired})

    # WHEN an order is activated with its invoice
    activation = activate(api, draft_order(api)["id"], INVOICE_OPTIONS).json()

    # THEN its invoice takes the next number, and the counter is left at it, held by no one
    assert activation["status"] == "SUCCEEDED", activation["error"]
    assert activation["invoice"]["invoiceNumber"] == "INV-000042"
    stored = dynamo.records_table().get_item(Key=counter, ConsistentRead=True)["Item"]
    assert stored["value"] == 42
    assert "holder" not in stored
    assert "expires_at" not in stored
