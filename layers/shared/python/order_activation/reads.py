"""Reads of what activations made: subscriptions with their versions, a customer's records."""

from datetime import date
from typing import Any

from order_activation import clock
from order_activation.customers import get_customer
from order_activation.errors import NotFoundError
from order_activation.models.activations import Entitlement, Subscription
from order_activation.models.common import Page
from order_activation.storage.repositories import ActivationRecords

records = ActivationRecords()


class SubscriptionWithVersions(Subscription):
    """The latest version of a subscription, with every version newest first."""

    versions: list[Subscription]


def get_subscription(tenant_id: str, subscription_id: str) -> SubscriptionWithVersions:
    versions = records.subscription_versions(tenant_id, subscription_id)
    if not versions:
        raise NotFoundError(f"subscription {subscription_id} not found")
    return SubscriptionWithVersions(**versions[0].model_dump(), versions=versions)


def customer_records(tenant_id: str, customer_id: str, kind: str, limit: int, next_token: str | None) -> Page[Any]:
    """A customer's subscriptions, assets or entitlements; entitlements only those in force today."""
    get_customer(tenant_id, customer_id)
    items, token = records.of_customer(tenant_id, customer_id, kind, limit, next_token)
    if kind == "ENTITLEMENT":
        items = [item for item in items if in_force(item, clock.today())]
    return Page[Any](items=items, next_token=token)


def in_force(entitlement: Entitlement, day: date) -> bool:
    """An entitlement grants access from its start date through its end date, both included."""
    started = entitlement.start_date <= day
    not_ended = entitlement.end_date is None or day <= entitlement.end_date
    return entitlement.status == "ACTIVE" and started and not_ended
