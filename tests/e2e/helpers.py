"""Builds the records most end-to-end tests start from."""

import secrets
from typing import Any

import pytest

from tests.conftest import ApiClient, sample_event


def _unique_sku(event: dict[str, Any]) -> dict[str, Any]:
    return event | {"sku": f"{event['sku']}-{secrets.token_hex(3)}"}


def seat_product(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    return api.create("/products", _unique_sku(sample_event("create_product_per_unit.json")) | overrides)


def onboarding_product(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    return api.create("/products", _unique_sku(sample_event("create_product_one_time.json")) | overrides)


def customer(api: ApiClient, **overrides: Any) -> dict[str, Any]:
    return api.create("/customers", sample_event("create_customer.json") | overrides)


def draft_order(api: ApiClient, effective_date: str = "2026-01-31", **buyer_fields: Any) -> dict[str, Any]:
    """25 seats for 12 months at 10 % off, plus one onboarding package."""
    seats, onboarding, buyer = seat_product(api), onboarding_product(api), customer(api, **buyer_fields)
    return api.create(
        "/orders",
        {
            "customerId": buyer["id"],
            "effectiveDate": effective_date,
            "lines": [
                {"productId": seats["id"], "quantity": 25, "termMonths": 12, "discountPercent": "10"},
                {"productId": onboarding["id"], "quantity": 1},
            ],
        },
    )


def activate(api: ApiClient, order_id: str, body: dict[str, Any] | None = None, wait: int = 20) -> Any:
    headers = {"Prefer": f"wait={wait}"} if wait else {}
    return api.post(f"/orders/{order_id}/activate", body if body is not None else {}, headers=headers)


def lagging_activation_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes the index of records by activation show none of them, as one that has not caught up."""
    from order_activation.storage import dynamo, repositories

    query_all = dynamo.query_all

    def lagging(index: str, *arguments: Any) -> Any:
        return [] if index == repositories.BY_ACTIVATION else query_all(index, *arguments)

    monkeypatch.setattr(dynamo, "query_all", lagging)
