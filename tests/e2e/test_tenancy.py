"""Tenancy: another tenant's key reaches none of a tenant's records, on any route of the template."""

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import requests

from local_runtime.template import load_template, resources_of_type
from tests.conftest import ApiClient, new_tenant
from tests.e2e.helpers import activate, customer, onboarding_product, seat_product
from tests.e2e.stripe_helpers import payment_intent_event, signed

ROUTES = sorted(
    (event["Properties"]["Method"].upper(), event["Properties"]["Path"], event["Properties"].get("Auth", {}))
    for function in resources_of_type(load_template(), "AWS::Serverless::Function").values()
    for event in function["Properties"].get("Events", {}).values()
    if event["Type"] == "Api"
)
RECORD_KINDS = {"productId", "customerId", "orderId", "activationId", "subscriptionId", "invoiceId"}

# Valid bodies, so that the record's tenant is the only reason left to refuse the request.
BODIES = {
    "/orders/{orderId}/activate": {"generateInvoice": True, "activateInvoice": True},
    "/activations/{activationId}/reject": {"comment": "not my approval to give"},
}


@dataclass
class Records:
    """Tenant A's records of every kind a route can name, by the name of the path parameter."""

    by_parameter: dict[str, list[str]]
    customer_id: str
    sku: str
    subscription_id: str
    invoice_id: str


def _order(api: ApiClient, buyer_id: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return api.create("/orders", {"customerId": buyer_id, "effectiveDate": "2026-01-01", "lines": lines})


@pytest.fixture(scope="module")
def owner(stack: Any) -> ApiClient:
    """Tenant A, whose records the other tenant tries to reach."""
    return new_tenant(stack)


@pytest.fixture(scope="module")
def tenant_a(owner: ApiClient) -> Iterator[Records]:
    """An activated order with a DRAFT invoice, a draft, a change order and an activation waiting for approval."""
    seats, onboarding, buyer = seat_product(owner), onboarding_product(owner), customer(owner)["id"]
    line = {"productId": seats["id"], "quantity": 5, "termMonths": 12}
    ordered = _order(owner, buyer, [line, {"productId": onboarding["id"], "quantity": 1}])
    activation = activate(owner, ordered["id"], {"generateInvoice": True}).json()
    assert activation["status"] == "SUCCEEDED", activation["error"]
    assert activation["invoice"]["status"] == "DRAFT"
    subscription_id = activation["subscriptions"][0]["id"]

    draft = _order(owner, buyer, [line])
    change = {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 6}
    change_order = owner.create(
        "/change-orders", {"customerId": buyer, "effectiveDate": "2026-03-01", "changes": [change]}
    )
    large = _order(owner, buyer, [line | {"quantity": 200}])
    pending = activate(owner, large["id"], wait=5).json()
    assert pending["status"] == "PENDING_APPROVAL", pending

    yield Records(
        by_parameter={
            "productId": [seats["id"], onboarding["id"]],
            "customerId": [buyer],
            "orderId": [ordered["id"], draft["id"], change_order["id"], large["id"]],
            "activationId": [activation["activationId"], pending["activationId"]],
            "subscriptionId": [subscription_id],
            "invoiceId": [activation["invoice"]["id"]],
        },
        customer_id=buyer,
        sku=seats["sku"],
        subscription_id=subscription_id,
        invoice_id=activation["invoice"]["id"],
    )
    rejected = owner.post(f"/activations/{pending['activationId']}/reject", {"comment": "the test is over"})
    assert rejected.status_code == 200, rejected.text


def _snapshot(api: ApiClient, records: Records) -> str:
    """Everything tenant A can read of its records, to compare before and after tenant B tried."""
    reads = [f"/customers/{records.customer_id}/{kind}" for kind in ("subscriptions", "assets", "entitlements")]
    reads += [f"/orders/{order_id}" for order_id in records.by_parameter["orderId"]]
    reads += [f"/activations/{activation_id}" for activation_id in records.by_parameter["activationId"]]
    reads += [f"/subscriptions/{records.subscription_id}", f"/invoices/{records.invoice_id}"]
    answers = {path: api.get(path).json() for path in reads}
    for answer in answers.values():
        if isinstance(answer, dict) and isinstance(answer.get("invoice"), dict):
            answer["invoice"].pop("pdfUrl", None)
        answer.pop("pdfUrl", None)
    return json.dumps(answers, sort_keys=True)


def _parameters(path: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", path)


def _call(client: ApiClient, method: str, path: str, **kwargs: Any) -> requests.Response:
    return client.session.request(method, client.url + path, timeout=60, allow_redirects=False, **kwargs)


def test_every_route_naming_another_tenants_record_answers_404(
    owner: ApiClient, other_api: ApiClient, tenant_a: Records
) -> None:
    # GIVEN tenant A's records of every kind the template's routes name, as A reads them
    addressed = [(method, path) for method, path, _ in ROUTES if _parameters(path)]
    assert {name for _, path in addressed for name in _parameters(path)} == RECORD_KINDS
    before = _snapshot(owner, tenant_a)

    # WHEN tenant B calls every route of the template that names a record, with each of A's records
    for method, path in addressed:
        [parameter] = _parameters(path)
        for record_id in tenant_a.by_parameter[parameter]:
            target = path.replace(f"{{{parameter}}}", record_id)
            body = BODIES.get(path, {}) if method == "POST" else None
            response = _call(other_api, method, target, json=body)

            # THEN each answers 404 not_found, exactly as for a record that does not exist
            assert response.status_code == 404, (method, target, response.text)
            assert response.json()["error"]["code"] == "not_found"

            # AND each read finds the record with tenant A's own key
            if method == "GET":
                assert _call(owner, method, target).status_code in (200, 302), (method, target)

    # AND tenant A's records are exactly as they were: no cancel, activation, approval or rejection took
    assert _snapshot(owner, tenant_a) == before


LIST_ROUTES: dict[tuple[str, str], Callable[[ApiClient, Records], None]] = {}


def _lists(method: str, path: str) -> Callable[[Callable[[ApiClient, Records], None]], Any]:
    def register(check: Callable[[ApiClient, Records], None]) -> Any:
        LIST_ROUTES[(method, path)] = check
        return check

    return register


@_lists("GET", "/products")
def _products_listed(other: ApiClient, records: Records) -> None:
    assert other.get("/products").json() == {"items": [], "nextToken": None}


@_lists("GET", "/orders")
def _orders_listed(other: ApiClient, records: Records) -> None:
    for query in ({}, {"status": "DRAFT"}, {"status": "ACTIVATED"}, {"status": "PENDING_APPROVAL"}):
        assert other.get("/orders", params=query).json() == {"items": [], "nextToken": None}


@_lists("GET", "/invoices")
def _invoices_listed(other: ApiClient, records: Records) -> None:
    response = other.get("/invoices", params={"customerId": records.customer_id})
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


@_lists("POST", "/products")
def _skus_are_per_tenant(other: ApiClient, records: Records) -> None:
    price = {"billingPeriod": "MONTH", "pricingModel": "PER_UNIT", "unitPrice": "1.00"}
    created = other.post("/products", {"sku": records.sku, "name": "Seat", "currency": "USD"} | price)
    assert created.status_code == 201, created.text
    assert created.json()["id"] not in records.by_parameter["productId"]


@_lists("POST", "/customers")
def _customers_are_separate(other: ApiClient, records: Records) -> None:
    created = customer(other)
    assert created["id"] != records.customer_id


@_lists("POST", "/orders")
def _orders_cannot_name_foreign_records(other: ApiClient, records: Records) -> None:
    own_buyer = customer(other)["id"]
    lines = [{"productId": records.by_parameter["productId"][0], "quantity": 1}]
    for buyer in (records.customer_id, own_buyer):
        response = other.post("/orders", {"customerId": buyer, "effectiveDate": "2026-01-01", "lines": lines})
        assert (response.status_code, response.json()["error"]["code"]) == (422, "order_not_eligible")


@_lists("POST", "/change-orders")
def _change_orders_cannot_name_foreign_subscriptions(other: ApiClient, records: Records) -> None:
    own_buyer = customer(other)["id"]
    change = {"changeType": "CANCEL", "subscriptionId": records.subscription_id}
    for buyer in (records.customer_id, own_buyer):
        body = {"customerId": buyer, "effectiveDate": "2026-03-01", "changes": [change]}
        response = other.post("/change-orders", body)
        assert (response.status_code, response.json()["error"]["code"]) == (422, "order_not_eligible")


@_lists("POST", "/webhooks/stripe")
def _webhooks_need_stripes_signature(other: ApiClient, records: Records) -> None:
    # the webhook takes no key: only Stripe's signature, which no tenant has, makes it act
    metadata = {"tenant_id": "someone", "order_id": "x", "invoice_id": records.invoice_id}
    event = payment_intent_event("evt_forged", "payment_intent.succeeded", "pi_forged", metadata)
    payload, signature = signed(event, "whsec_guessed")
    headers = {"Content-Type": "application/json", "Stripe-Signature": signature}
    response = other.session.post(f"{other.url}/webhooks/stripe", data=payload, headers=headers, timeout=30)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_signature")


@_lists("GET", "/openapi.json")
def _the_document_names_no_record(other: ApiClient, records: Records) -> None:
    document = other.get("/openapi.json").text
    assert all(record_id not in document for ids in records.by_parameter.values() for record_id in ids)


def test_every_route_without_a_record_in_its_path_shows_none_of_another_tenants(
    owner: ApiClient, other_api: ApiClient, tenant_a: Records
) -> None:
    # GIVEN the routes of the template whose path names no record
    unaddressed = {(method, path) for method, path, _ in ROUTES if not _parameters(path)}

    # THEN each has a check, and only the document and Stripe's webhook go without a key
    assert unaddressed == set(LIST_ROUTES)
    public = {(method, path) for method, path, auth in ROUTES if auth.get("Authorizer") == "NONE"}
    assert public == {("GET", "/openapi.json"), ("POST", "/webhooks/stripe")}

    # AND through each, tenant B sees and reaches none of tenant A's records
    for route in sorted(unaddressed):
        LIST_ROUTES[route](other_api, tenant_a)

    # AND tenant A still sees its own
    assert len(owner.get("/orders").json()["items"]) == 4
    assert len(owner.get("/invoices", params={"customerId": tenant_a.customer_id}).json()["items"]) == 1
    assert len(owner.get("/products").json()["items"]) == 2


def test_api_keys_are_stored_only_as_hashes(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN two tenants, each with its key
    keys = {client.tenant_id: str(client.session.headers["x-api-key"]) for client in (api, other_api)}

    # WHEN the API keys table is read whole
    table = boto3.resource("dynamodb").Table(os.environ["API_KEYS_TABLE"])
    items = table.scan()["Items"]
    stored = json.dumps(items, default=str)

    # THEN each key is there only as the SHA-256 of the key, mapped to its tenant
    for tenant_id, key in keys.items():
        digest = hashlib.sha256(key.encode()).hexdigest()
        assert [item for item in items if item["keyHash"] == digest] == [{"keyHash": digest, "tenantId": tenant_id}]
        assert key not in stored
    assert all(re.fullmatch(r"[0-9a-f]{64}", item["keyHash"]) for item in items)
