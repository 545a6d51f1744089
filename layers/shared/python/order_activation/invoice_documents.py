"""Maps an invoice and its customer to the document the PDF renderer draws."""

from order_activation.invoice_pdf import InvoiceDocument, InvoiceLineView, Party
from order_activation.models.customers import Customer
from order_activation.models.invoices import Invoice
from order_activation.settings import settings


def _seller() -> Party:
    address = tuple(part.strip() for part in settings().seller_address.split(";") if part.strip())
    return Party(name=settings().seller_name, address_lines=address)


def _customer(customer: Customer) -> Party:
    address = customer.address
    city_line = " ".join(part for part in (address.postal_code, address.city, address.region) if part)
    lines = (address.line1, address.line2, city_line, address.country)
    return Party(name=customer.name, address_lines=tuple(line for line in lines if line), email=customer.email)


def invoice_document(invoice: Invoice, customer: Customer, order_number: str | None) -> InvoiceDocument:
    return InvoiceDocument(
        invoice_number=invoice.invoice_number,
        status=invoice.status,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        seller=_seller(),
        customer=_customer(customer),
        currency=invoice.currency,
        lines=tuple(
            InvoiceLineView(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                tax_amount=line.tax_amount,
                period_start=line.period_start,
                period_end=line.period_end,
            )
            for line in invoice.lines
        ),
        subtotal=invoice.subtotal,
        tax_total=invoice.tax_total,
        total=invoice.total,
        amount_due=invoice.amount_due,
        po_number=invoice.po_number,
        po_date=invoice.po_date,
        order_number=order_number,
        payment_url=invoice.payment_url,
        payment_instructions=f"Please pay by {invoice.due_date.isoformat()}, quoting the invoice number.",
    )
