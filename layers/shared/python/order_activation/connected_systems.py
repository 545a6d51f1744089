"""Connected systems: the objects of an activated order, recorded where the transaction hub points.

Stripe is called directly. Other systems (Salesforce) are told through the event
bus, where their connector listens; a sync request the bus accepted counts as
SYNCED. A failure is recorded with its code and message and never undoes the
activation.
"""

import re
from collections.abc import Callable

import stripe

from order_activation import events_out
from order_activation.models.activations import ConnectedTransaction, SyncError, TransactionHubLink
from order_activation.models.invoices import Invoice
from order_activation.models.orders import Order
from order_activation.models.payments import Payment
from order_activation.observability import logger
from order_activation.payments.stripe_gateway import stripe_client

SyncedObject = tuple[str, str]


def objects_to_sync(order: Order, invoice: Invoice | None, payment: Payment | None) -> list[SyncedObject]:
    """The customer, each product, the invoice and the payment of an activated order."""
    objects: list[SyncedObject] = [("CUSTOMER", order.customer_id)]
    objects += [("PRODUCT", product_id) for product_id in dict.fromkeys(line.product_id for line in order.lines)]
    if invoice is not None:
        objects.append(("INVOICE", invoice.id))
    if payment is not None and payment.external_id:
        objects.append(("PAYMENT", payment.external_id))
    return objects


def sync(
    tenant_id: str, hub: TransactionHubLink, order: Order, invoice: Invoice | None, payment: Payment | None
) -> list[ConnectedTransaction]:
    transactions = []

    for object_type, object_id in objects_to_sync(order, invoice, payment):
        try:
            if hub.external_system == "Stripe":
                external_id = _stripe_sync(tenant_id, hub, object_type, object_id, invoice)
            else:
                external_id = _event_sync(tenant_id, hub, object_type, object_id)
        except Exception as error:
            logger.info("sync failed", object_type=object_type, error_name=type(error).__name__)
            transactions.append(_transaction(hub, object_type, object_id, None, _sync_error(error)))
            continue
        transactions.append(_transaction(hub, object_type, object_id, external_id, None))
    return transactions


def _transaction(
    hub: TransactionHubLink, object_type: str, object_id: str, external_id: str | None, error: SyncError | None
) -> ConnectedTransaction:
    return ConnectedTransaction(
        external_system=hub.external_system,
        external_id=external_id,
        transaction_type=hub.transaction_type,
        object_type=object_type,
        object_id=object_id,
        status="FAILED" if error else "SYNCED",
        error=error,
    )


def _sync_error(error: Exception) -> SyncError:
    if isinstance(error, stripe.StripeError):
        return SyncError(code=str(error.code or "stripe_error"), message=str(error.user_message or error))
    code = re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()
    return SyncError(code=code, message="the connected system could not record the object")


class NoStripeRecordError(LookupError):
    """The object has no counterpart in Stripe."""


def _stripe_sync(
    tenant_id: str, hub: TransactionHubLink, object_type: str, object_id: str, invoice: Invoice | None
) -> str:
    """Records the object in Stripe and answers its Stripe id (for an invoice, its payment link)."""
    client = stripe_client()
    metadata = {"tenant_id": tenant_id, "object_id": object_id}
    actions: dict[str, Callable[[], str]] = {
        "CUSTOMER": lambda: str(client.v1.customers.update(hub.external_id, params={"metadata": metadata}).id),
        "PRODUCT": lambda: str(
            client.v1.products.create(
                params={"name": object_id, "metadata": metadata},
                options={"idempotency_key": f"product-{tenant_id}-{object_id}"},
            ).id
        ),
        "INVOICE": lambda: _payment_link_of(invoice),
        "PAYMENT": lambda: str(client.v1.payment_intents.retrieve(object_id).id),
    }
    return actions[object_type]()


def _event_sync(tenant_id: str, hub: TransactionHubLink, object_type: str, object_id: str) -> str:
    """Asks the system's connector, through the bus, to record the object against `externalId`."""
    events_out.publish(
        "connected_system.sync",
        tenant_id,
        {
            "externalSystem": hub.external_system,
            "externalId": hub.external_id,
            "transactionType": hub.transaction_type,
            "objectType": object_type,
            "objectId": object_id,
        },
    )
    return hub.external_id


def _payment_link_of(invoice: Invoice | None) -> str:
    if invoice is None or not invoice.payment_url:
        raise NoStripeRecordError("the invoice has no Stripe payment link")
    return invoice.payment_url
