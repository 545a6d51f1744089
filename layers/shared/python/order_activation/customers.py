"""Customers: the billed party of orders, subscriptions and invoices."""

from order_activation.errors import NotFoundError
from order_activation.models.common import timestamp, utc_now
from order_activation.models.customers import Customer, CustomerRequest
from order_activation.storage.dynamo import new_id
from order_activation.storage.repositories import Customers

customers = Customers()


def create_customer(tenant_id: str, request: CustomerRequest) -> Customer:
    customer = Customer(
        id=new_id("cus"),
        created_at=timestamp(utc_now()),
        **request.model_dump(by_alias=False),
    )

    customers.add(tenant_id, customer)
    return customer


def get_customer(tenant_id: str, customer_id: str) -> Customer:
    customer = customers.get(tenant_id, customer_id)
    if customer is None:
        raise NotFoundError(f"customer {customer_id} not found")
    return customer
