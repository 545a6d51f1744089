"""Hostile input: generated requests for every documented route, and the worst bodies by hand.

Whatever arrives, the API answers in the contract's shape, never with a server error, and a
refused request stores nothing.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import negative_data_rejection

from order_activation import aws
from order_activation.http.openapi import openapi_document
from tests.conftest import ApiClient, new_tenant
from tests.e2e.helpers import activate, draft_order

ERROR_CODES = {
    400: {"validation_error", "invalid_signature"},
    401: {"unauthorized"},
    404: {"not_found"},
    409: {"order_not_draft", "idempotency_key_reused", "activation_in_progress", "invalid_state"},
    413: {"payload_too_large"},
    422: {"order_not_eligible"},
}


def errors_in_the_contract_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every refusal is `{"error": {"code", "message", "details"}}` with a code the contract names."""
    if response.status_code < 400:
        return None
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] in ERROR_CODES.get(response.status_code, set()), (response.status_code, error)
    assert isinstance(error["details"], list)
    return True


def _generated_schema() -> Any:
    """The API's OpenAPI document, generating a few cases of each kind per route.

    The stack starts inside the test session, after collection, so the document is built from
    the models here and checked against the one the API serves below; schemathesis's loader
    from a fixture needs a pytest internal that pytest 9 no longer has.
    """
    schema = schemathesis.openapi.from_dict(json.loads(openapi_document()))
    schema.config.generation.update(max_examples=5, deterministic=True, database="none")
    schema.config.phases.stateful.enabled = False
    return schema


generated = _generated_schema()


@pytest.fixture(scope="module")
def fuzzed_tenant(stack: Any) -> ApiClient:
    """One tenant for every generated request, so records made by one case are there for the next."""
    return new_tenant(stack)


def test_the_generated_requests_follow_the_document_the_api_serves(anonymous: ApiClient) -> None:
    assert anonymous.get("/openapi.json").json() == generated.raw_schema


@generated.parametrize()
def test_generated_requests_never_meet_a_server_error(case: Any, fuzzed_tenant: ApiClient) -> None:
    # GIVEN a request built from the document: valid, or broken in one part (coverage and fuzzing phases)
    key = fuzzed_tenant.session.headers["x-api-key"]

    # WHEN a tenant sends it
    response = case.call(base_url=fuzzed_tenant.url, headers={"x-api-key": key}, timeout=30)

    # THEN it is never a server error, a broken request is refused, and a refusal has the contract's shape
    checks = [not_a_server_error, negative_data_rejection, errors_in_the_contract_shape]
    case.validate_response(response, checks=checks)


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


@pytest.fixture
def writes(api: ApiClient) -> Iterator[list[str]]:
    """Every write of the tenant's records as DynamoDB receives it, whichever handler sends it."""
    written: list[str] = []
    key_prefix = f'"{api.tenant_id}#'.encode()

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        body = params.get("body") or b""
        if model.name in WRITES and key_prefix in (body if isinstance(body, bytes) else body.encode()):
            written.append(model.name)

    events = aws.resource("dynamodb").meta.client.meta.events
    events.register("before-call.dynamodb", record, unique_id=f"writes-{api.tenant_id}")
    yield written
    events.unregister("before-call.dynamodb", unique_id=f"writes-{api.tenant_id}")


def _send(api: ApiClient, path: str, body: str | bytes) -> requests.Response:
    return api.session.post(api.url + path, data=body, headers={"Content-Type": "application/json"}, timeout=30)


def _assert_refused(response: requests.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (set(error), error["code"]) == ({"code", "message", "details"}, code)
    if field is not None:
        assert field in [detail["field"] for detail in error["details"]], error


@pytest.fixture
def draft(api: ApiClient) -> dict[str, Any]:
    return draft_order(api)


ROUTES_WITH_BODIES = [
    "/products",
    "/customers",
    "/orders",
    "/change-orders",
    "/orders/{order}/activate",
    "/orders/{order}/cancel",
    "/invoices/inv_missing/activate",
    "/activations/act_missing/reject",
    "/webhooks/stripe",
]


@pytest.mark.parametrize("path", ROUTES_WITH_BODIES)
def test_a_body_over_256_kib_is_413_and_stores_nothing(
    api: ApiClient, draft: dict[str, Any], writes: list[str], path: str
) -> None:
    # GIVEN a JSON body one byte over 256 KiB
    target = path.format(order=draft["id"])
    opening, closing = '{"name": "', '"}'
    filler = 256 * 1024 - len(opening) - len(closing)
    writes.clear()

    # WHEN it is sent
    refused = _send(api, target, opening + "x" * (filler + 1) + closing)

    # THEN it is 413 payload_too_large, nothing was stored and the order is still a draft
    _assert_refused(refused, 413, "payload_too_large")
    assert writes == []
    assert api.get(f"/orders/{draft['id']}").json()["status"] == "DRAFT"

    # AND a body of exactly 256 KiB is judged on its content instead
    assert _send(api, target, opening + "x" * filler + closing).status_code != 413


UNREADABLE_BODIES = {
    "arrays nested 100000 deep": "[" * 100_000 + "]" * 100_000,
    "objects nested 5000 deep in a field": '{"name": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
    "an integer of 5000 digits": '{"quantity": ' + "9" * 5000 + "}",
    "NaN": '{"unitPrice": NaN}',
    "Infinity": '{"unitPrice": Infinity}',
    "-Infinity": '{"taxRate": -Infinity}',
    "a bare array": "[1, 2]",
    "a bare string": '"order"',
    "a truncated object": '{"sku": "A", ',
}


@pytest.mark.parametrize("body", UNREADABLE_BODIES.values(), ids=UNREADABLE_BODIES.keys())
def test_bodies_no_route_can_read_are_400_and_store_nothing(
    api: ApiClient, draft: dict[str, Any], writes: list[str], body: str
) -> None:
    writes.clear()

    for path in ("/products", "/customers", "/orders", f"/orders/{draft['id']}/activate"):
        _assert_refused(_send(api, path, body), 400, "validation_error")

    assert writes == []
    assert api.get(f"/orders/{draft['id']}").json()["status"] == "DRAFT"


def _product_body(**change: Any) -> dict[str, Any]:
    body = {"sku": "S", "name": "Seat", "currency": "USD", "billingPeriod": "MONTH", "pricingModel": "PER_UNIT"}
    return body | {"unitPrice": "10.00"} | change


def _customer_body(**change: Any) -> dict[str, Any]:
    body = {"name": "Acme", "email": "ap@acme.example.com", "currency": "USD"}
    return body | {"address": {"line1": "1 Main St", "city": "Austin", "country": "US"}} | change


BAD_PRODUCTS = [
    ({"name": 42}, "name"),
    ({"taxable": "yes"}, "taxable"),
    ({"currency": ["USD"]}, "currency"),
    ({"entitlements": {"feature": "sso"}}, "entitlements"),
    ({"unitPrice": "1e400"}, "unitPrice"),
    ({"unitPrice": 123456789012345.67}, "unitPrice"),
    ({"unitPrice": True}, "unitPrice"),
    ({"name": "Seat\x00"}, "name"),
    ({"name": "Seat\x1b[31m plan"}, "name"),
    ({"name": "Seat\x85plan"}, "name"),
    ({"name": "x" * 201}, "name"),
]
BAD_CUSTOMERS = [
    ({"email": 5}, "email"),
    ({"address": "1 Main St, Austin"}, "address"),
    ({"taxRate": "1e308"}, "taxRate"),
    ({"taxRate": "0.1e999999"}, "taxRate"),
    ({"name": "Acme\x00Corp"}, "name"),
    ({"name": "Acme\nCorp"}, "name"),
    ({"name": "Acme\x7f"}, "name"),
    ({"name": "Acme\x9bCorp"}, "name"),
    ({"address": {"line1": "1 Main\x07St", "city": "Austin", "country": "US"}}, "address.line1"),
]


@pytest.mark.parametrize(("change", "field"), BAD_PRODUCTS, ids=[repr(case) for case, _ in BAD_PRODUCTS])
def test_products_of_the_wrong_shape_are_400_naming_the_field(
    api: ApiClient, change: dict[str, Any], field: str
) -> None:
    response = api.post("/products", _product_body(**change))

    _assert_refused(response, 400, "validation_error", field)
    assert api.get("/products").json()["items"] == []


@pytest.mark.parametrize(("change", "field"), BAD_CUSTOMERS, ids=[repr(case) for case, _ in BAD_CUSTOMERS])
def test_customers_of_the_wrong_shape_are_400_naming_the_field(
    api: ApiClient, writes: list[str], change: dict[str, Any], field: str
) -> None:
    writes.clear()

    response = api.post("/customers", _customer_body(**change))

    _assert_refused(response, 400, "validation_error", field)
    assert writes == []


BAD_ACTIVATIONS = [
    ({"poNumber": "PO\x004471"}, "poNumber"),
    ({"poNumber": "PO-44\n71"}, "poNumber"),
    ({"poNumber": "PO-4471\x1b]8;;https://example.com\x07"}, "poNumber"),
    ({"poNumber": "PO\x854471"}, "poNumber"),
    ({"poNumber": 4471}, "poNumber"),
    ({"poNumber": "P" * 65}, "poNumber"),
    ({"generateInvoice": "true"}, "generateInvoice"),
    ({"poDate": 20260115}, "poDate"),
    (
        {"transactionHub": {"externalSystem": "SAP", "externalId": "1", "transactionType": "order"}},
        "transactionHub.externalSystem",
    ),
    (
        {"transactionHub": {"externalSystem": "Stripe", "externalId": "cus_1\x00", "transactionType": "order"}},
        "transactionHub.externalId",
    ),
]


@pytest.mark.parametrize(("body", "field"), BAD_ACTIVATIONS, ids=[repr(case) for case, _ in BAD_ACTIVATIONS])
def test_activations_of_the_wrong_shape_are_400_and_leave_the_draft(
    api: ApiClient, draft: dict[str, Any], writes: list[str], body: dict[str, Any], field: str
) -> None:
    writes.clear()

    response = activate(api, draft["id"], body, wait=0)

    _assert_refused(response, 400, "validation_error", field)
    stored = api.get(f"/orders/{draft['id']}").json()
    assert (stored["status"], stored["activationId"], stored["poNumber"]) == ("DRAFT", None, None)
    assert writes == []


def test_whitespace_around_a_name_is_trimmed_never_stored(api: ApiClient, writes: list[str]) -> None:
    # WHEN a customer's name and a product's name arrive wrapped in tabs and line breaks
    buyer = api.post("/customers", _customer_body(name="\tAcme Analytics\r\n"))
    product = api.post("/products", _product_body(name="\n Seat plan \t"))

    # THEN each was written in one request to DynamoDB, seen by the recorder the other tests rely on
    assert len(writes) == 2

    # AND they are stored without them
    assert (buyer.status_code, buyer.json()["name"]) == (201, "Acme Analytics")
    assert (product.status_code, product.json()["name"]) == (201, "Seat plan")
    assert api.get(f"/customers/{buyer.json()['id']}").json()["name"] == "Acme Analytics"
