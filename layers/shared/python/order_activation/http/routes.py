"""Routes of the API, grouped by the function that serves them."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Query
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from order_activation import approvals, catalog, change_orders, customers, invoices, orders
from order_activation.activation import start, view
from order_activation.http.app import tenant_of
from order_activation.http.errors import JSON
from order_activation.models.activations import (
    Activation,
    ActivationRequest,
    ActivationStarted,
    Asset,
    Entitlement,
    RejectionRequest,
    Subscription,
)
from order_activation.models.catalog import Product, ProductRequest
from order_activation.models.change_orders import ChangeOrderRequest
from order_activation.models.common import ApiModel, Page
from order_activation.models.customers import Customer, CustomerRequest
from order_activation.models.invoices import Invoice
from order_activation.models.orders import DraftOrderRequest, Order, OrderStatus, RecordId
from order_activation.reads import SubscriptionWithVersions, customer_records, get_subscription

Limit = Annotated[int, Query(ge=1, le=100, description="page size, 1 to 100")]
NextToken = Annotated[str | None, Query(alias="nextToken", max_length=2048)]

catalog_routes = APIGatewayRouter()
order_routes = APIGatewayRouter()
read_routes = APIGatewayRouter()
activation_routes = APIGatewayRouter()
invoice_routes = APIGatewayRouter()
webhook_routes = APIGatewayRouter()


def created(resource: object) -> Response:
    return Response(status_code=201, content_type=JSON, body=resource)


@catalog_routes.post("/products", tags=["Catalog"])
def handle_create_product(request: Annotated[ProductRequest, Body()]) -> Response[Product]:
    return created(catalog.create_product(tenant_of(catalog_routes), request))


@catalog_routes.get("/products", tags=["Catalog"])
def handle_list_products(limit: Limit = 50, next_token: NextToken = None) -> Page[Product]:
    return catalog.list_products(tenant_of(catalog_routes), limit, next_token)


@catalog_routes.get("/products/<productId>", tags=["Catalog"])
def handle_get_product(productId: str) -> Product:
    return catalog.get_product(tenant_of(catalog_routes), productId)


@catalog_routes.post("/customers", tags=["Customers"])
def handle_create_customer(request: Annotated[CustomerRequest, Body()]) -> Response[Customer]:
    return created(customers.create_customer(tenant_of(catalog_routes), request))


@catalog_routes.get("/customers/<customerId>", tags=["Customers"])
def handle_get_customer(customerId: str) -> Customer:
    return customers.get_customer(tenant_of(catalog_routes), customerId)


@order_routes.post("/orders", tags=["Orders"])
def handle_create_order(request: Annotated[DraftOrderRequest, Body()]) -> Response[Order]:
    return created(orders.create_draft_order(tenant_of(order_routes), request))


@order_routes.post("/change-orders", tags=["Orders"])
def handle_create_change_order(request: Annotated[ChangeOrderRequest, Body()]) -> Response[Order]:
    return created(change_orders.create_change_order(tenant_of(order_routes), request))


@order_routes.get("/orders", tags=["Orders"])
def handle_list_orders(
    status: Annotated[OrderStatus | None, Query()] = None, limit: Limit = 50, next_token: NextToken = None
) -> Page[Order]:
    return orders.list_orders(tenant_of(order_routes), status, limit, next_token)


@order_routes.get("/orders/<orderId>", tags=["Orders"])
def handle_get_order(orderId: str) -> Order:
    return orders.get_order(tenant_of(order_routes), orderId)


@order_routes.post("/orders/<orderId>/cancel", tags=["Orders"])
def handle_cancel_order(orderId: str) -> Order:
    return orders.cancel_order(tenant_of(order_routes), orderId)


@read_routes.get("/activations/<activationId>", tags=["Activations"])
def handle_get_activation(activationId: str) -> Activation:
    return view.get_activation(tenant_of(read_routes), activationId)


@read_routes.get("/subscriptions/<subscriptionId>", tags=["Subscriptions"])
def handle_get_subscription(subscriptionId: str) -> SubscriptionWithVersions:
    return get_subscription(tenant_of(read_routes), subscriptionId)


@read_routes.get("/customers/<customerId>/subscriptions", tags=["Subscriptions"])
def handle_customer_subscriptions(
    customerId: str, limit: Limit = 50, next_token: NextToken = None
) -> Page[Subscription]:
    return customer_records(tenant_of(read_routes), customerId, "SUBSCRIPTION", limit, next_token)


@read_routes.get("/customers/<customerId>/assets", tags=["Subscriptions"])
def handle_customer_assets(customerId: str, limit: Limit = 50, next_token: NextToken = None) -> Page[Asset]:
    return customer_records(tenant_of(read_routes), customerId, "ASSET", limit, next_token)


@read_routes.get("/customers/<customerId>/entitlements", tags=["Subscriptions"])
def handle_customer_entitlements(customerId: str, limit: Limit = 50, next_token: NextToken = None) -> Page[Entitlement]:
    return customer_records(tenant_of(read_routes), customerId, "ENTITLEMENT", limit, next_token)


@activation_routes.post("/orders/<orderId>/activate", tags=["Activations"])
def handle_activate_order(
    orderId: str,
    request: Annotated[ActivationRequest | None, Body()] = None,
    prefer: Annotated[str | None, Header(description="wait=N, N up to 25 seconds")] = None,
) -> Response[Activation | ActivationStarted]:
    tenant_id = tenant_of(activation_routes)
    activation = start.start_activation(tenant_id, orderId, request or ActivationRequest())

    seconds = start.preferred_wait(prefer)
    if seconds:
        activation = start.wait_for_outcome(tenant_id, activation.activation_id, seconds)
    if activation.status in ("SUCCEEDED", "FAILED", "REJECTED"):
        return Response(200, JSON, view.get_activation(tenant_id, activation.activation_id))

    started = ActivationStarted(
        activation_id=activation.activation_id, order_id=activation.order_id, status=activation.status
    )
    headers = {"Location": f"/activations/{activation.activation_id}"}
    return Response(202, JSON, started, headers=headers)


@activation_routes.post("/activations/<activationId>/approve", tags=["Activations"])
def handle_approve_activation(activationId: str) -> Response[ActivationStarted]:
    activation = approvals.approve(tenant_of(activation_routes), activationId)
    started = ActivationStarted(
        activation_id=activation.activation_id, order_id=activation.order_id, status=activation.status
    )
    return Response(202, JSON, started, headers={"Location": f"/activations/{activationId}"})


@activation_routes.post("/activations/<activationId>/reject", tags=["Activations"])
def handle_reject_activation(
    activationId: str, request: Annotated[RejectionRequest | None, Body()] = None
) -> Activation:
    tenant_id = tenant_of(activation_routes)
    approvals.reject(tenant_id, activationId, (request or RejectionRequest()).comment)
    return view.get_activation(tenant_id, activationId)


@invoice_routes.get("/invoices/<invoiceId>", tags=["Invoices"])
def handle_get_invoice(invoiceId: str) -> Invoice:
    return invoices.get_invoice(tenant_of(invoice_routes), invoiceId)


@invoice_routes.get("/invoices", tags=["Invoices"])
def handle_list_invoices(
    customer_id: Annotated[RecordId, Query(alias="customerId")], limit: Limit = 50, next_token: NextToken = None
) -> Page[Invoice]:
    return invoices.list_invoices(tenant_of(invoice_routes), customer_id, limit, next_token)


@invoice_routes.post("/invoices/<invoiceId>/activate", tags=["Invoices"])
def handle_activate_invoice(invoiceId: str) -> Invoice:
    return invoices.activate_invoice(tenant_of(invoice_routes), invoiceId)


@invoice_routes.get(
    "/invoices/<invoiceId>/pdf",
    tags=["Invoices"],
    responses={302: {"description": "redirects to a time-limited link to the PDF"}},
)
def handle_get_invoice_pdf(invoiceId: str) -> Response[None]:
    link = invoices.pdf_link(tenant_of(invoice_routes), invoiceId)
    return Response(302, JSON, None, headers={"Location": link})


class WebhookReceipt(ApiModel):
    received: bool
    outcome: str


@webhook_routes.post("/webhooks/stripe", tags=["Webhooks"])
def handle_stripe_webhook(
    signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookReceipt:
    # Imported here: it loads the Stripe SDK, which no other route of these functions needs.
    from order_activation.payments import webhooks

    payload = webhook_routes.current_event.decoded_body or ""
    return WebhookReceipt(received=True, outcome=webhooks.handle_stripe_event(payload, signature))
