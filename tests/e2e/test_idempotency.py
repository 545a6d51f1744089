"""`Idempotency-Key` on POST: the same request answered once, another body refused."""

from typing import Any

from tests.conftest import ApiClient
from tests.e2e.helpers import customer, draft_order, seat_product


def _order_body(api: ApiClient) -> dict[str, Any]:
    seats, buyer = seat_product(api), customer(api)
    return {
        "customerId": buyer["id"],
        "effectiveDate": "2026-01-01",
        "lines": [{"productId": seats["id"], "quantity": 3}],
    }


def test_the_same_key_and_body_answer_the_first_response_and_create_nothing_more(api: ApiClient) -> None:
    # GIVEN an order request sent with a key
    body = _order_body(api)
    headers = {"Idempotency-Key": "order-2026-0001"}

    # WHEN it is sent three times
    answers = [api.post("/orders", body, headers=headers) for _ in range(3)]

    # THEN every answer is the first one, and one order exists
    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert len({answer.text for answer in answers}) == 1
    assert [order["id"] for order in api.get("/orders").json()["items"]] == [answers[0].json()["id"]]


def test_the_same_key_with_another_body_is_409(api: ApiClient) -> None:
    body = _order_body(api)
    headers = {"Idempotency-Key": "order-2026-0002"}
    first = api.post("/orders", body, headers=headers)

    reused = api.post("/orders", body | {"effectiveDate": "2026-02-01"}, headers=headers)

    assert first.status_code == 201
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "idempotency_key_reused")
    assert len(api.get("/orders").json()["items"]) == 1


def test_requests_without_a_key_are_never_merged(api: ApiClient) -> None:
    body = _order_body(api)

    numbers = [api.post("/orders", body).json()["orderNumber"] for _ in range(2)]

    assert numbers == ["O-000001", "O-000002"]


def test_a_key_used_to_activate_one_order_never_activates_another(api: ApiClient) -> None:
    # GIVEN two drafts, the first activated with a key
    first, second = draft_order(api), draft_order(api)
    headers = {"Idempotency-Key": "activate-2026-0001", "Prefer": "wait=20"}
    activated = api.post(f"/orders/{first['id']}/activate", {}, headers=headers)
    assert activated.json()["status"] == "SUCCEEDED"

    # WHEN the same key and body are sent to activate the second
    reused = api.post(f"/orders/{second['id']}/activate", {}, headers=headers)

    # THEN it is refused, and the second order is left as it was
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "idempotency_key_reused")
    assert api.get(f"/orders/{second['id']}").json()["status"] == "DRAFT"


def test_a_key_used_on_one_route_is_refused_on_another(api: ApiClient) -> None:
    # GIVEN an order created with a key
    headers = {"Idempotency-Key": "import-0001"}
    created = api.post("/orders", _order_body(api), headers=headers)

    # WHEN the key comes again with a product
    product = {"sku": "S", "name": "S", "currency": "USD", "billingPeriod": "MONTH", "pricingModel": "FLAT"}
    reused = api.post("/products", product | {"unitPrice": "1"}, headers=headers)

    # THEN it is refused, and no product was created
    assert created.status_code == 201
    assert (reused.status_code, reused.json()["error"]["code"]) == (409, "idempotency_key_reused")
    assert api.get("/products").json()["items"] == [_product_of(api, created.json())]


def _product_of(api: ApiClient, order: dict[str, Any]) -> dict[str, Any]:
    return dict(api.get(f"/products/{order['lines'][0]['productId']}").json())


def test_keys_belong_to_one_tenant(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN two tenants that happen to use the same key
    headers = {"Idempotency-Key": "shared-key"}

    # WHEN each creates a product with it
    mine = api.post(
        "/products",
        {
            "sku": "A",
            "name": "A",
            "currency": "USD",
            "billingPeriod": "MONTH",
            "pricingModel": "FLAT",
            "unitPrice": "1",
        },
        headers=headers,
    )
    theirs = other_api.post(
        "/products",
        {
            "sku": "B",
            "name": "B",
            "currency": "USD",
            "billingPeriod": "MONTH",
            "pricingModel": "FLAT",
            "unitPrice": "2",
        },
        headers=headers,
    )

    # THEN both are created, each in its own tenant
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_repeated_activation_answers_the_same_activation(api: ApiClient) -> None:
    # GIVEN a draft order activated with a key
    order = draft_order(api)
    headers = {"Idempotency-Key": "activate-once", "Prefer": "wait=20"}
    first = api.post(f"/orders/{order['id']}/activate", {}, headers=headers)

    # WHEN the same request is sent again
    again = api.post(f"/orders/{order['id']}/activate", {}, headers=headers)

    # THEN it answers the same activation instead of 409 order_not_draft
    assert first.status_code == again.status_code == 200
    assert again.json()["activationId"] == first.json()["activationId"]


def test_an_invalid_key_is_400(api: ApiClient) -> None:
    for key in ("", "x" * 256, "has space", "tab\there"):
        response = api.post("/products", {}, headers={"Idempotency-Key": key})
        assert response.status_code == 400
        assert response.json()["error"]["details"][0]["field"] == "Idempotency-Key"
