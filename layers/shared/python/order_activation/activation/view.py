"""The Activation resource: the record, its order and everything it created."""

from order_activation.errors import NotFoundError
from order_activation.invoices import invoice_id_for, with_links
from order_activation.models.activations import Activation
from order_activation.models.invoices import Invoice
from order_activation.orders import get_order
from order_activation.storage.repositories import ActivationRecords, Activations, Invoices, Payments

activations = Activations()
records = ActivationRecords()
invoices = Invoices()
payments = Payments()


def _invoice(tenant_id: str, activation_id: str) -> Invoice | None:
    invoice = invoices.get(tenant_id, invoice_id_for(activation_id))
    return with_links(invoice) if invoice else None


def get_activation(tenant_id: str, activation_id: str) -> Activation:
    activation = activations.get(tenant_id, activation_id)
    if activation is None:
        raise NotFoundError(f"activation {activation_id} not found")

    order = get_order(tenant_id, activation.order_id)
    created = records.of_activation(tenant_id, activation_id)
    invoice = _invoice(tenant_id, activation_id)

    return Activation(
        activation_id=activation.activation_id,
        order_id=activation.order_id,
        status=activation.status,
        started_at=activation.started_at,
        completed_at=activation.completed_at,
        order=order,
        subscriptions=created["SUBSCRIPTION"],
        assets=created["ASSET"],
        entitlements=created["ENTITLEMENT"],
        invoice=invoice,
        payment=payments.get(tenant_id, invoice.id) if invoice else None,
        transactions=activation.transactions,
        error=activation.error,
    )
