"""Activation over HTTP on the local runtime, from a draft order to its subscriptions."""

import threading
import time

from tests.conftest import ApiClient
from tests.e2e.helpers import activate, draft_order


def test_activation_with_wait_answers_the_whole_activation(api: ApiClient) -> None:
    # GIVEN a draft order of 25 seats (monthly) and an onboarding package
    order = draft_order(api)

    # WHEN it is activated, waiting up to 20 seconds
    response = activate(api, order["id"])

    # THEN the answer is the finished activation
    assert response.status_code == 200, response.text
    activation = response.json()
    assert activation["status"] == "SUCCEEDED"
    assert activation["error"] is None
    assert activation["order"]["status"] == "ACTIVATED"
    assert activation["order"]["activatedAt"] is not None

    # AND one subscription per recurring line, billed monthly from the start date
    [subscription] = activation["subscriptions"]
    assert subscription["subscriptionNumber"] == "SUB-000001"
    assert subscription["version"] == 1
    assert subscription["status"] == "ACTIVE"
    assert subscription["quantity"] == 25
    assert (subscription["startDate"], subscription["endDate"]) == ("2026-01-31", "2027-01-30")
    assert subscription["nextBillingDate"] == "2026-02-28"
    assert subscription["periodAmount"] == "675.00"

    # AND one asset for the one-time line
    [asset] = activation["assets"]
    assert (asset["assetNumber"], asset["quantity"], asset["status"]) == ("AST-000001", 1, "ACTIVE")

    # AND the entitlements the products declare, scaled by quantity
    granted = {(item["feature"], item["quantity"]) for item in activation["entitlements"]}
    assert granted == {("seats", 25), ("sso", None), ("onboarding-workshop", 2)}
    seats = next(item for item in activation["entitlements"] if item["feature"] == "seats")
    assert seats["subscriptionId"] == subscription["id"]
    assert seats["endDate"] == "2027-01-30"

    # AND the order reads back as ACTIVATED
    stored = api.get(f"/orders/{order['id']}").json()
    assert stored["status"] == "ACTIVATED"
    assert stored["activationId"] == activation["activationId"]
    assert stored["pricingLocked"] is True


def test_activation_without_wait_answers_202_and_finishes(api: ApiClient) -> None:
    # GIVEN a draft order
    order = draft_order(api)

    # WHEN it is activated without waiting
    response = activate(api, order["id"], wait=0)

    # THEN the answer says it runs and where to look
    assert response.status_code == 202, response.text
    started = response.json()
    assert started["orderId"] == order["id"]
    assert started["status"] in ("RUNNING", "SUCCEEDED")
    assert response.headers["Location"] == f"/activations/{started['activationId']}"

    # AND the activation finishes on its own
    deadline = time.monotonic() + 20
    status = started["status"]
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = api.get(response.headers["Location"]).json()["status"]
    assert status == "SUCCEEDED"


def test_activated_records_are_listed_for_the_customer(api: ApiClient) -> None:
    # GIVEN an activated order
    order = draft_order(api)
    activation = activate(api, order["id"]).json()
    customer_id = order["customerId"]

    # WHEN the customer's subscriptions, assets and entitlements are read
    subscriptions = api.get(f"/customers/{customer_id}/subscriptions").json()
    assets = api.get(f"/customers/{customer_id}/assets").json()
    entitlements = api.get(f"/customers/{customer_id}/entitlements").json()

    # THEN they are the activation's records
    assert [item["id"] for item in subscriptions["items"]] == [activation["subscriptions"][0]["id"]]
    assert [item["id"] for item in assets["items"]] == [activation["assets"][0]["id"]]
    assert len(entitlements["items"]) == 3
    assert subscriptions["nextToken"] is None

    # AND the subscription answers with its versions
    subscription = api.get(f"/subscriptions/{activation['subscriptions'][0]['id']}").json()
    assert subscription["version"] == 1
    assert [version["version"] for version in subscription["versions"]] == [1]


def test_second_activation_of_an_activated_order_is_refused(api: ApiClient) -> None:
    # GIVEN an activated order
    order = draft_order(api)
    first = activate(api, order["id"]).json()

    # WHEN it is activated again
    response = activate(api, order["id"])

    # THEN it is 409 order_not_draft, naming the activation that did it
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "order_not_draft"
    assert error["details"] == [{"activationId": first["activationId"]}]


def test_concurrent_activations_start_only_once(api: ApiClient) -> None:
    # GIVEN a draft order
    order = draft_order(api)
    answers: list[int] = []

    # WHEN five activations of it arrive at once
    def attempt() -> None:
        answers.append(activate(api, order["id"], wait=0).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN exactly one starts and the others are refused with 409
    assert sorted(answers)[0] == 202
    assert answers.count(202) == 1
    assert all(status == 409 for status in answers if status != 202)


def test_unknown_order_is_404(api: ApiClient) -> None:
    # WHEN an order that does not exist is activated
    response = activate(api, "ord_missing")

    # THEN it is 404 not_found
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_another_tenants_order_is_404(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN an order of tenant A
    order = draft_order(api)

    # WHEN tenant B reads or activates it
    read = other_api.get(f"/orders/{order['id']}")
    activated = activate(other_api, order["id"])

    # THEN both are answered as if it did not exist
    assert (read.status_code, read.json()["error"]["code"]) == (404, "not_found")
    assert (activated.status_code, activated.json()["error"]["code"]) == (404, "not_found")
    assert api.get(f"/orders/{order['id']}").json()["status"] == "DRAFT"


def test_missing_or_unknown_key_is_401(anonymous: ApiClient) -> None:
    # WHEN a request carries no key, or a key nobody owns
    missing = anonymous.get("/orders")
    unknown = anonymous.get("/orders", headers={"x-api-key": "not-a-key"})

    # THEN both are 401 unauthorized in the contract's shape
    for response in (missing, unknown):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"


def test_malformed_json_is_400_and_changes_nothing(api: ApiClient) -> None:
    # GIVEN a draft order
    order = draft_order(api)

    # WHEN the activation body is not JSON
    response = api.post(
        f"/orders/{order['id']}/activate", data="{not json", headers={"Content-Type": "application/json"}
    )

    # THEN it is 400 validation_error and the order is still a draft
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert api.get(f"/orders/{order['id']}").json()["status"] == "DRAFT"


def test_activate_invoice_without_generate_invoice_is_400(api: ApiClient) -> None:
    # GIVEN a draft order
    order = draft_order(api)

    # WHEN it asks to activate an invoice it does not generate
    response = activate(api, order["id"], {"activateInvoice": True})

    # THEN it is 400 and the order stays a draft
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert api.get(f"/orders/{order['id']}").json()["status"] == "DRAFT"


def test_unknown_activation_field_is_400(api: ApiClient) -> None:
    order = draft_order(api)

    response = activate(api, order["id"], {"generateInvoice": False, "rush": True})

    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "rush"


def test_canceled_order_cannot_be_activated(api: ApiClient) -> None:
    # GIVEN a canceled draft
    order = draft_order(api)
    canceled = api.post(f"/orders/{order['id']}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "CANCELED"

    # WHEN it is activated, or canceled again
    response = activate(api, order["id"])
    again = api.post(f"/orders/{order['id']}/cancel")

    # THEN both are 409 order_not_draft
    assert (response.status_code, response.json()["error"]["code"]) == (409, "order_not_draft")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "order_not_draft")


def test_unknown_activation_is_404(api: ApiClient) -> None:
    response = api.get("/activations/act_missing")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_openapi_document_is_served_from_the_models(anonymous: ApiClient) -> None:
    # WHEN the OpenAPI document is read without a key
    response = anonymous.get("/openapi.json")

    # THEN it describes the contract's routes with camelCase models
    assert response.status_code == 200
    document = response.json()
    assert "/orders/{orderId}/activate" in document["paths"]
    assert "/orders" in document["paths"]
    order_schema = document["components"]["schemas"]["Order"]
    assert {"orderNumber", "listTotal", "activationId"} <= set(order_schema["properties"])
