"""Change orders over HTTP: prorations to the cent, versions, entitlements, credits and races."""

import threading
from datetime import date
from typing import Any

import pytest

from order_activation import clock
from tests.conftest import ApiClient
from tests.e2e.helpers import activate, customer, lagging_activation_index

INVOICE_NOW = {"generateInvoice": True, "activateInvoice": True}


def _product(api: ApiClient, sku: str, unit_price: str, grants: list[dict[str, Any]]) -> str:
    body = {
        "sku": sku,
        "name": sku.title(),
        "currency": "USD",
        "billingPeriod": "MONTH",
        "pricingModel": "PER_UNIT",
        "unitPrice": unit_price,
        "entitlements": grants,
    }
    return str(api.create("/products", body)["id"])


def _new_subscription(api: ApiClient, product_id: str, buyer_id: str, start: str, quantity: int) -> dict[str, Any]:
    order = api.create(
        "/orders",
        {
            "customerId": buyer_id,
            "effectiveDate": start,
            "lines": [{"productId": product_id, "quantity": quantity, "termMonths": 12}],
        },
    )
    activation = activate(api, order["id"], INVOICE_NOW).json()
    assert activation["status"] == "SUCCEEDED", activation["error"]
    return dict(activation)


def _change(api: ApiClient, buyer_id: str, effective: str, change: dict[str, Any]) -> dict[str, Any]:
    return api.create("/change-orders", {"customerId": buyer_id, "effectiveDate": effective, "changes": [change]})


def _activate_on(api: ApiClient, monkeypatch: pytest.MonkeyPatch, day: str, order_id: str) -> dict[str, Any]:
    monkeypatch.setattr(clock, "today", lambda: date.fromisoformat(day))
    activation = activate(api, order_id, INVOICE_NOW).json()
    assert activation["status"] == "SUCCEEDED", activation["error"]
    return dict(activation)


def _invoice_figures(activation: dict[str, Any]) -> tuple[str, ...]:
    invoice = activation["invoice"]
    return (invoice["subtotal"], invoice["taxTotal"], invoice["total"], invoice["amountDue"], invoice["paymentStatus"])


def _entitlements_today(api: ApiClient, buyer_id: str) -> set[tuple[str, Any]]:
    items = api.get(f"/customers/{buyer_id}/entitlements").json()["items"]
    return {(item["feature"], item["quantity"]) for item in items}


def test_a_year_of_changes_versions_the_subscription_and_bills_each_difference(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a Basic plan ($20 a seat a month) and a Pro plan ($35, with API calls), tax 10 %
    seats = {"feature": "seats", "quantityPerUnit": 1}
    basic = _product(api, "BASIC", "20.00", [seats, {"feature": "reports"}])
    pro = _product(api, "PRO", "35.00", [seats, {"feature": "reports"}, {"feature": "api", "quantityPerUnit": 1000}])
    buyer = customer(api, taxRate="0.10")["id"]

    # WHEN 10 Basic seats start on 2026-01-15 for 12 months
    monkeypatch.setattr(clock, "today", lambda: date(2026, 1, 15))
    first = _new_subscription(api, basic, buyer, "2026-01-15", 10)

    # THEN SUB-000001 v1 runs to 2027-01-14 and the first month is billed: 200.00 + 20.00 tax
    [v1] = first["subscriptions"]
    subscription_id = v1["id"]
    assert (v1["version"], v1["quantity"], v1["endDate"], v1["periodAmount"]) == (1, 10, "2027-01-14", "200.00")
    assert _invoice_figures(first) == ("200.00", "20.00", "220.00", "220.00", "UNPAID")
    assert _entitlements_today(api, buyer) == {("seats", 10), ("reports", None)}

    # WHEN in month 3 (2026-03-20) the quantity goes to 15
    up = _change(
        api, buyer, "2026-03-20", {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 15}
    )
    raised = _activate_on(api, monkeypatch, "2026-03-20", up["id"])

    # THEN the period 2026-03-15..04-14 (31 days) has 26 days left: (300 - 200) x 26/31 = 83.87, tax 8.39
    assert [(line["netAmount"], line["taxAmount"]) for line in up["lines"]] == [("83.87", "8.39")]
    assert _invoice_figures(raised) == ("83.87", "8.39", "92.26", "92.26", "UNPAID")
    assert (raised["invoice"]["lines"][0]["periodStart"], raised["invoice"]["lines"][0]["periodEnd"]) == (
        "2026-03-20",
        "2026-04-14",
    )
    assert [(item["version"], item["quantity"]) for item in raised["subscriptions"]] == [(2, 15)]
    assert _entitlements_today(api, buyer) == {("seats", 15), ("reports", None)}

    # WHEN in month 5 (2026-05-05) it upgrades to Pro
    upgrade = _change(
        api, buyer, "2026-05-05", {"changeType": "UPGRADE", "subscriptionId": subscription_id, "productId": pro}
    )
    upgraded = _activate_on(api, monkeypatch, "2026-05-05", upgrade["id"])

    # THEN 2026-04-15..05-14 (30 days) has 10 left: (525 - 300) x 10/30 = 75.00, tax 7.50
    assert _invoice_figures(upgraded) == ("75.00", "7.50", "82.50", "82.50", "UNPAID")
    assert [(item["version"], item["productId"], item["periodAmount"]) for item in upgraded["subscriptions"]] == [
        (3, pro, "525.00"),
    ]
    assert _entitlements_today(api, buyer) == {("seats", 15), ("reports", None), ("api", 15000)}

    # WHEN in month 8 (2026-08-25) it downgrades to Basic
    downgrade = _change(
        api, buyer, "2026-08-25", {"changeType": "DOWNGRADE", "subscriptionId": subscription_id, "productId": basic}
    )
    downgraded = _activate_on(api, monkeypatch, "2026-08-25", downgrade["id"])

    # THEN 2026-08-15..09-14 (31 days) has 21 left: (300 - 525) x 21/31 = -152.42, tax -15.24: a credit
    assert _invoice_figures(downgraded) == ("-152.42", "-15.24", "-167.66", "0.00", "NOT_REQUIRED")
    assert _entitlements_today(api, buyer) == {("seats", 15), ("reports", None)}

    # WHEN at the end of the term (2027-01-10) it renews for 12 more months
    renew = _change(
        api, buyer, "2027-01-10", {"changeType": "RENEW", "subscriptionId": subscription_id, "termMonths": 12}
    )
    renewed = _activate_on(api, monkeypatch, "2027-01-10", renew["id"])

    # THEN nothing is prorated and the term now ends 2028-01-14
    assert _invoice_figures(renewed) == ("0.00", "0.00", "0.00", "0.00", "NOT_REQUIRED")
    assert [(item["version"], item["endDate"], item["termMonths"]) for item in renewed["subscriptions"]] == [
        (5, "2028-01-14", 24),
    ]

    # WHEN after that (2027-02-20) it is canceled
    cancel = _change(api, buyer, "2027-02-20", {"changeType": "CANCEL", "subscriptionId": subscription_id})
    canceled = _activate_on(api, monkeypatch, "2027-02-20", cancel["id"])

    # THEN 2027-02-15..03-14 (28 days) has 23 left: -300 x 23/28 = -246.43, tax -24.64
    assert _invoice_figures(canceled) == ("-246.43", "-24.64", "-271.07", "0.00", "NOT_REQUIRED")
    [final] = canceled["subscriptions"]
    assert (final["version"], final["status"], final["endDate"]) == (6, "CANCELED", "2027-02-19")
    assert _entitlements_today(api, buyer) == set()

    # AND every version is kept, newest first, under one subscription number
    history = api.get(f"/subscriptions/{subscription_id}").json()
    assert [(item["version"], item["quantity"], item["status"]) for item in history["versions"]] == [
        (6, 15, "CANCELED"),
        (5, 15, "ACTIVE"),
        (4, 15, "ACTIVE"),
        (3, 15, "ACTIVE"),
        (2, 15, "ACTIVE"),
        (1, 10, "ACTIVE"),
    ]
    assert {item["subscriptionNumber"] for item in history["versions"]} == {"SUB-000001"}
    assert [item["id"] for item in api.get(f"/customers/{buyer}/subscriptions").json()["items"]] == [subscription_id]


def test_credit_from_a_downgrade_is_consumed_by_the_next_invoice(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 10 seats at $20 from 2026-01-15, tax-free, and a downgrade to 4 on 2026-02-01
    product = _product(api, "SEAT", "20.00", [])
    buyer = customer(api, taxRate="0")["id"]
    subscription_id = _new_subscription(api, product, buyer, "2026-01-15", 10)["subscriptions"][0]["id"]
    down = _change(
        api, buyer, "2026-02-01", {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 4}
    )
    # 2026-01-15..02-14 is 31 days, 14 left: (80 - 200) x 14/31 = -54.19
    assert _invoice_figures(_activate_on(api, monkeypatch, "2026-02-01", down["id"]))[2] == "-54.19"

    # WHEN the quantity goes up to 9 on 2026-02-10 (5 days left of 31: (180 - 80) x 5/31 = 16.13)
    up = _change(
        api, buyer, "2026-02-10", {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 9}
    )
    raised = _activate_on(api, monkeypatch, "2026-02-10", up["id"])

    # THEN the credit pays it whole and 38.06 of credit is left for the next one
    invoice = raised["invoice"]
    assert (invoice["total"], invoice["creditApplied"], invoice["amountDue"], invoice["paymentStatus"]) == (
        "16.13",
        "16.13",
        "0.00",
        "PAID",
    )
    again = _change(
        api, buyer, "2026-02-12", {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 30}
    )
    # 3 days left: (600 - 180) x 3/31 = 40.65, of which 38.06 is credit
    last = _activate_on(api, monkeypatch, "2026-02-12", again["id"])["invoice"]
    assert (last["total"], last["creditApplied"], last["amountDue"], last["paymentStatus"]) == (
        "40.65",
        "38.06",
        "2.59",
        "UNPAID",
    )


@pytest.mark.parametrize(
    ("start", "effective", "expected"),
    [
        # anchored on Dec 31: the period from Jan 31 ends Feb 27 (28 days); Feb 14 leaves 14
        ("2025-12-31", "2026-02-14", "50.00"),
        # anchored on Jan 31 of a leap year: the period from Feb 29 runs to Mar 30 (31 days), all left
        ("2028-01-31", "2028-02-29", "100.00"),
        # the effective date is the last day of the period Mar 31 .. Apr 29: one day of 30
        ("2026-01-31", "2026-04-29", "3.33"),
    ],
)
def test_month_end_and_leap_day_prorations(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch, start: str, effective: str, expected: str
) -> None:
    # GIVEN 1 seat at $100 a month, tax-free
    product = _product(api, "ONE", "100.00", [])
    buyer = customer(api, taxRate="0")["id"]
    monkeypatch.setattr(clock, "today", lambda: date.fromisoformat(start))
    subscription_id = _new_subscription(api, product, buyer, start, 1)["subscriptions"][0]["id"]

    # WHEN a change order doubles it on the effective date
    order = _change(
        api, buyer, effective, {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 2}
    )

    # THEN the proration is the extra $100 times the days left over the days in the period
    assert order["lines"][0]["netAmount"] == expected
    assert order["type"] == "CHANGE"


def test_change_orders_refuse_what_cannot_change(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN an active subscription and an annual product
    product = _product(api, "MONTHLY", "10.00", [])
    annual = api.create(
        "/products",
        {
            "sku": "ANNUAL",
            "name": "Annual",
            "currency": "USD",
            "billingPeriod": "YEAR",
            "pricingModel": "FLAT",
            "unitPrice": "100.00",
        },
    )["id"]
    buyer = customer(api)["id"]
    subscription_id = _new_subscription(api, product, buyer, "2026-01-01", 1)["subscriptions"][0]["id"]
    someone_else = customer(api)["id"]

    # WHEN changes break every rule at once
    response = api.post(
        "/change-orders",
        {
            "customerId": buyer,
            "effectiveDate": "2026-06-01",
            "changes": [
                {"changeType": "UPGRADE", "subscriptionId": subscription_id, "productId": annual},
                {"changeType": "CANCEL", "subscriptionId": "sub_missing"},
            ],
        },
    )
    outside = api.post(
        "/change-orders",
        {
            "customerId": buyer,
            "effectiveDate": "2027-06-01",
            "changes": [{"changeType": "CANCEL", "subscriptionId": subscription_id}],
        },
    )
    not_theirs = api.post(
        "/change-orders",
        {
            "customerId": someone_else,
            "effectiveDate": "2026-06-01",
            "changes": [{"changeType": "CANCEL", "subscriptionId": subscription_id}],
        },
    )
    missing_field = api.post(
        "/change-orders",
        {
            "customerId": buyer,
            "effectiveDate": "2026-06-01",
            "changes": [{"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id}],
        },
    )
    foreign = other_api.post(
        "/change-orders",
        {
            "customerId": buyer,
            "effectiveDate": "2026-06-01",
            "changes": [{"changeType": "CANCEL", "subscriptionId": subscription_id}],
        },
    )

    # THEN each is refused with every reason, and nothing is stored
    assert response.status_code == 422
    assert [detail["field"] for detail in response.json()["error"]["details"]] == [
        "changes[0].subscriptionId",
        "changes[1].subscriptionId",
    ]
    assert "YEAR" in response.json()["error"]["details"][0]["message"]
    assert outside.status_code == 422 and "outside the term" in outside.json()["error"]["details"][0]["message"]
    assert not_theirs.status_code == 422
    assert missing_field.status_code == 400
    assert foreign.status_code == 422
    assert [order["type"] for order in api.get("/orders").json()["items"]] == ["NEW"]


def test_two_change_orders_on_one_subscription_at_once_lose_no_version(api: ApiClient) -> None:
    # GIVEN two change orders priced against the same version
    product = _product(api, "RACE", "10.00", [{"feature": "seats", "quantityPerUnit": 1}])
    buyer = customer(api)["id"]
    subscription_id = _new_subscription(api, product, buyer, "2026-01-01", 10)["subscriptions"][0]["id"]
    orders = [
        _change(
            api,
            buyer,
            "2026-02-10",
            {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": quantity},
        )
        for quantity in (12, 14)
    ]
    answers: dict[int, Any] = {}

    # WHEN both are activated at the same moment
    def attempt(index: int) -> None:
        answers[index] = activate(api, orders[index]["id"])

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN one wins and the other is refused with 409 or 422
    statuses = sorted(answer.status_code for answer in answers.values())
    assert statuses[0] == 200 and statuses[1] in (409, 422)
    winner = next(index for index, answer in answers.items() if answer.status_code == 200)
    assert answers[winner].json()["status"] == "SUCCEEDED"

    # AND the subscription has exactly the winner's version on top of the first
    history = api.get(f"/subscriptions/{subscription_id}").json()["versions"]
    assert [(item["version"], item["quantity"]) for item in history] == [(2, (12, 14)[winner]), (1, 10)]

    # AND the loser, activated again later, is refused because its version is gone
    loser = orders[1 - winner]["id"]
    again = activate(api, loser)
    assert (again.status_code, again.json()["error"]["code"]) == (422, "order_not_eligible")


def test_a_failed_change_restores_the_former_version_and_entitlements(api: ApiClient, faults: Any) -> None:
    # GIVEN a subscription with seats, and a change order whose entitlement step always fails
    product = _product(api, "UNDO", "10.00", [{"feature": "seats", "quantityPerUnit": 1}])
    buyer = customer(api)["id"]
    subscription_id = _new_subscription(api, product, buyer, "2026-01-01", 10)["subscriptions"][0]["id"]
    order = _change(
        api, buyer, "2026-02-10", {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 20}
    )
    faults.arm("GrantAssetsAndEntitlementsFunction", "fail_always")

    # WHEN it is activated
    failed = activate(api, order["id"], INVOICE_NOW).json()

    # THEN it FAILED and the subscription is at version 1 again, listed and changeable
    assert failed["status"] == "FAILED"
    assert [item["version"] for item in api.get(f"/subscriptions/{subscription_id}").json()["versions"]] == [1]
    assert [item["version"] for item in api.get(f"/customers/{buyer}/subscriptions").json()["items"]] == [1]

    # AND activated again without the fault it succeeds
    faults.clear()
    retried = activate(api, order["id"], INVOICE_NOW).json()
    assert retried["status"] == "SUCCEEDED"
    assert [item["quantity"] for item in retried["subscriptions"]] == [20]


@pytest.mark.parametrize("index", ["current", "lagging"])
def test_a_change_that_fails_after_ending_entitlements_gives_them_back(
    api: ApiClient, faults: Any, monkeypatch: pytest.MonkeyPatch, index: str
) -> None:
    # GIVEN a subscription of 10 seats, and a change to 20 whose invoice step always fails,
    # after the entitlements step ended the 10 seats and granted 20; the index of records by
    # activation is current, or lags behind as a DynamoDB index may
    product = _product(api, "GIVEBACK", "10.00", [{"feature": "seats", "quantityPerUnit": 1}])
    buyer = customer(api)["id"]
    subscription_id = _new_subscription(api, product, buyer, "2026-01-01", 10)["subscriptions"][0]["id"]
    before = api.get(f"/customers/{buyer}/entitlements").json()["items"]
    order = _change(
        api, buyer, "2026-02-10", {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 20}
    )
    faults.arm("CreateInvoiceFunction", "fail_always")
    if index == "lagging":
        lagging_activation_index(monkeypatch)

    # WHEN it is activated
    failed = activate(api, order["id"], INVOICE_NOW).json()

    # THEN it FAILED and the customer's entitlements are exactly the 10 seats, with their end date
    assert failed["status"] == "FAILED"
    assert failed["error"]["step"] == "CreateInvoice"
    assert api.get(f"/customers/{buyer}/entitlements").json()["items"] == before
    assert [(item["feature"], item["quantity"]) for item in before] == [("seats", 10)]
    assert [item["version"] for item in api.get(f"/subscriptions/{subscription_id}").json()["versions"]] == [1]

    # AND activated again without the fault, the 10 seats end the day before the change and 20 begin
    monkeypatch.undo()
    faults.clear()
    retried = activate(api, order["id"], INVOICE_NOW).json()
    assert retried["status"] == "SUCCEEDED"
    active = api.get(f"/customers/{buyer}/entitlements").json()["items"]
    assert [(item["quantity"], item["startDate"]) for item in active] == [(20, "2026-02-10")]


def test_a_co_term_aligns_the_end_date_without_a_proration(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a subscription for 2026
    product = _product(api, "COTERM", "10.00", [{"feature": "seats", "quantityPerUnit": 1}])
    buyer = customer(api)["id"]
    subscription_id = _new_subscription(api, product, buyer, "2026-01-01", 3)["subscriptions"][0]["id"]

    # WHEN on 2026-06-01 it is co-termed to 2027-03-31
    order = _change(
        api,
        buyer,
        "2026-06-01",
        {"changeType": "CO_TERM", "subscriptionId": subscription_id, "coTermDate": "2027-03-31"},
    )
    activation = _activate_on(api, monkeypatch, "2026-06-01", order["id"])

    # THEN nothing is prorated, version 2 ends on the co-term date, and its seats run to it
    assert [line["netAmount"] for line in order["lines"]] == ["0.00"]
    assert [(item["version"], item["endDate"]) for item in activation["subscriptions"]] == [(2, "2027-03-31")]
    assert [(item["feature"], item["endDate"]) for item in activation["entitlements"]] == [("seats", "2027-03-31")]


def test_a_change_order_of_more_changes_than_one_start_can_reserve_is_refused_whole(api: ApiClient) -> None:
    # GIVEN 99 active subscriptions of one customer, and a change order for each of them
    product = _product(api, "SEAT", "10.00", [])
    buyer = customer(api)["id"]
    line = {"productId": product, "quantity": 1, "termMonths": 12}
    order = api.create("/orders", {"customerId": buyer, "effectiveDate": "2026-01-01", "lines": [line] * 99})
    subscriptions = [item["id"] for item in activate(api, order["id"]).json()["subscriptions"]]
    assert len(subscriptions) == 99

    def change_order(subscription_ids: list[str]) -> str:
        changes = [
            {"changeType": "UPDATE_QUANTITY", "subscriptionId": subscription_id, "quantity": 2}
            for subscription_id in subscription_ids
        ]
        body = {"customerId": buyer, "effectiveDate": "2026-06-01", "changes": changes}
        return str(api.create("/change-orders", body)["id"])

    too_many = change_order(subscriptions)

    # WHEN the change order of 99 is activated
    refused = activate(api, too_many, INVOICE_NOW)

    # THEN it is 422, the order stays DRAFT and no subscription changed
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "order_not_eligible"
    assert [detail["field"] for detail in refused.json()["error"]["details"]] == ["changes"]
    assert api.get(f"/orders/{too_many}").json()["status"] == "DRAFT"
    for subscription_id in (subscriptions[0], subscriptions[-1]):
        unchanged = api.get(f"/subscriptions/{subscription_id}").json()
        assert (unchanged["version"], unchanged["quantity"], unchanged["status"]) == (1, 1, "ACTIVE")

    # AND split at the limit, the same changes activate
    accepted = activate(api, change_order(subscriptions[:98]), INVOICE_NOW).json()
    assert accepted["status"] == "SUCCEEDED", accepted["error"]
    assert api.get(f"/subscriptions/{subscriptions[97]}").json()["quantity"] == 2
