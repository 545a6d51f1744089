"""Draft orders over HTTP: pricing to the cent, numbering, lists and validation."""

import threading
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import ApiClient
from tests.e2e.helpers import customer, draft_order, onboarding_product, seat_product


def _product(api: ApiClient, sku: str, currency: str, period: str, model: str, **price: Any) -> str:
    body = {"sku": sku, "name": sku.title(), "currency": currency, "billingPeriod": period, "pricingModel": model}
    return str(api.create("/products", body | price)["id"])


def _line(order: dict[str, Any], product_id: str) -> dict[str, Any]:
    return next(line for line in order["lines"] if line["productId"] == product_id)


def _figures(line: dict[str, Any]) -> tuple[str, ...]:
    keys = ("periodAmount", "listAmount", "discountAmount", "netAmount", "taxAmount", "totalAmount")
    return tuple(line[key] for key in keys)


def test_all_four_pricing_models_in_two_currencies_price_to_the_cent(api: ApiClient) -> None:
    # GIVEN a euro customer at 19 % tax and five euro products, one of each model
    platform = _product(api, "PLATFORM", "EUR", "MONTH", "FLAT", unitPrice="499.00")
    seats = _product(api, "SEAT-Q", "EUR", "QUARTER", "PER_UNIT", unitPrice=89.90)
    calls = _product(
        api,
        "API-CALLS",
        "EUR",
        "YEAR",
        "TIERED",
        tiers=[
            {"upTo": 1000, "unitPrice": "0.05"},
            {"upTo": 10000, "unitPrice": "0.04"},
            {"upTo": None, "unitPrice": "0.03"},
        ],
    )
    storage = _product(
        api,
        "STORAGE",
        "EUR",
        "MONTH",
        "VOLUME",
        tiers=[
            {"upTo": 10, "unitPrice": "20.00"},
            {"upTo": 50, "unitPrice": "15.00", "flatPrice": "25.00"},
            {"upTo": None, "unitPrice": "10.00"},
        ],
    )
    setup = _product(api, "SETUP", "EUR", "ONE_TIME", "FLAT", unitPrice="1200", taxable=False)
    euro_buyer = customer(api, currency="EUR", taxRate="0.19")

    # WHEN a draft order of all five is priced
    response = api.post(
        "/orders",
        {
            "customerId": euro_buyer["id"],
            "effectiveDate": "2026-01-31",
            "lines": [
                {"productId": platform, "quantity": 3, "termMonths": 12},
                {"productId": seats, "quantity": 7, "termMonths": 12, "discountPercent": "12.5"},
                {"productId": calls, "quantity": 12500, "termMonths": 24},
                {"productId": storage, "quantity": 30, "termMonths": 6, "discountPercent": 5},
                {"productId": setup, "quantity": 1},
            ],
        },
    )

    # THEN every line carries the hand-computed figures
    assert response.status_code == 201, response.text
    order = response.json()
    assert (order["orderNumber"], order["type"], order["status"], order["currency"]) == (
        "O-000001",
        "NEW",
        "DRAFT",
        "EUR",
    )
    # FLAT: 499.00 a month whatever the quantity, 12 months, 19 % tax
    assert _figures(_line(order, platform)) == ("499.00", "5988.00", "0.00", "5988.00", "1137.72", "7125.72")
    assert _line(order, platform)["endDate"] == "2027-01-30"
    # PER_UNIT: 7 x 89.90 = 629.30 a quarter, 4 quarters, 12.5 % off (550.6375 rounds to 550.64)
    assert _figures(_line(order, seats)) == ("550.64", "2517.20", "314.65", "2202.55", "418.48", "2621.03")
    # TIERED: 1000 x 0.05 + 9000 x 0.04 + 2500 x 0.03 = 485.00 a year, 2 years
    assert _figures(_line(order, calls)) == ("485.00", "970.00", "0.00", "970.00", "184.30", "1154.30")
    assert _line(order, calls)["endDate"] == "2028-01-30"
    # VOLUME: 30 units fall in the second tier, 30 x 15.00 + 25.00 = 475.00 a month, 6 months, 5 % off
    assert _figures(_line(order, storage)) == ("451.25", "2850.00", "142.50", "2707.50", "514.43", "3221.93")
    assert _line(order, storage)["endDate"] == "2026-07-30"
    # ONE_TIME, not taxable: billed once, no end date
    assert _figures(_line(order, setup)) == ("1200.00", "1200.00", "0.00", "1200.00", "0.00", "1200.00")
    assert (_line(order, setup)["endDate"], _line(order, setup)["termMonths"]) == (None, None)

    # AND every total is the sum of its rounded lines
    assert (order["listTotal"], order["discountTotal"], order["subtotal"], order["taxTotal"], order["total"]) == (
        "13525.20",
        "457.15",
        "13068.05",
        "2254.93",
        "15322.98",
    )

    # GIVEN a yen customer at 10 % tax, with yen products (no minor unit)
    yen_seats = _product(api, "SEAT-JP", "JPY", "MONTH", "PER_UNIT", unitPrice=1250)
    yen_calls = _product(
        api,
        "CALLS-JP",
        "JPY",
        "MONTH",
        "TIERED",
        tiers=[{"upTo": 5, "unitPrice": "1000"}, {"upTo": None, "unitPrice": "800", "flatPrice": "500"}],
    )
    yen_buyer = customer(api, currency="JPY", taxRate="0.10")

    # WHEN a yen order is priced
    yen_order = api.create(
        "/orders",
        {
            "customerId": yen_buyer["id"],
            "effectiveDate": "2026-03-01",
            "lines": [
                {"productId": yen_seats, "quantity": 3, "termMonths": 12, "discountPercent": 15},
                {"productId": yen_calls, "quantity": 8, "termMonths": 1},
            ],
        },
    )

    # THEN yen amounts have no decimals: 3750 x 0.85 = 3187.5 rounds half-up to 3188
    assert _figures(_line(yen_order, yen_seats)) == ("3188", "45000", "6750", "38250", "3825", "42075")
    # 5 x 1000 + 3 x 800 + 500 = 7900 for one month
    assert _figures(_line(yen_order, yen_calls)) == ("7900", "7900", "0", "7900", "790", "8690")
    assert _line(yen_order, yen_calls)["endDate"] == "2026-03-31"
    assert (yen_order["orderNumber"], yen_order["subtotal"], yen_order["taxTotal"], yen_order["total"]) == (
        "O-000002",
        "46150",
        "4615",
        "50765",
    )


def test_json_numbers_are_read_exactly(api: ApiClient) -> None:
    # WHEN prices arrive as JSON numbers that binary floats cannot hold
    product = api.create(
        "/products",
        {
            "sku": "EXACT",
            "name": "Exact",
            "currency": "USD",
            "billingPeriod": "MONTH",
            "pricingModel": "PER_UNIT",
            "unitPrice": 41131.74,
        },
    )
    cheap = api.create(
        "/products",
        {
            "sku": "DIME",
            "name": "Dime",
            "currency": "USD",
            "billingPeriod": "ONE_TIME",
            "pricingModel": "PER_UNIT",
            "unitPrice": 0.1,
            "taxable": False,
        },
    )
    buyer = customer(api, taxRate="0")
    order = api.create(
        "/orders",
        {
            "customerId": buyer["id"],
            "effectiveDate": "2026-05-01",
            "lines": [
                {"productId": product["id"], "quantity": 3, "termMonths": 1},
                {"productId": cheap["id"], "quantity": 3},
            ],
        },
    )

    # THEN they are kept to the digit and multiply exactly
    assert product["unitPrice"] == "41131.74"
    assert _line(order, product["id"])["netAmount"] == "123395.22"
    assert _line(order, cheap["id"])["netAmount"] == "0.30"


def test_order_numbers_stay_sequential_under_concurrent_creation(api: ApiClient) -> None:
    # GIVEN one product and one customer
    seats, buyer = seat_product(api), customer(api)
    body = {
        "customerId": buyer["id"],
        "effectiveDate": "2026-01-01",
        "lines": [{"productId": seats["id"], "quantity": 1}],
    }
    numbers: list[str] = []

    # WHEN twelve orders are created at the same time
    def create() -> None:
        numbers.append(api.create("/orders", body)["orderNumber"])

    threads = [threading.Thread(target=create) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN they hold twelve distinct consecutive numbers
    assert sorted(numbers) == [f"O-{number:06d}" for number in range(1, 13)]


def test_orders_list_newest_first_with_a_status_filter_and_cursor(api: ApiClient) -> None:
    # GIVEN three drafts, one of them canceled
    first, second, third = (draft_order(api) for _ in range(3))
    api.post(f"/orders/{second['id']}/cancel")

    # WHEN the list is read two at a time
    page_one = api.get("/orders", params={"limit": 2}).json()
    page_two = api.get("/orders", params={"limit": 2, "nextToken": page_one["nextToken"]}).json()

    # THEN it is newest first, and the cursor continues where it stopped
    assert [order["id"] for order in page_one["items"]] == [third["id"], second["id"]]
    assert [order["id"] for order in page_two["items"]] == [first["id"]]
    assert page_two["nextToken"] is None

    # AND the status filter answers only drafts
    drafts = api.get("/orders", params={"status": "DRAFT"}).json()
    assert [order["id"] for order in drafts["items"]] == [third["id"], first["id"]]
    canceled = api.get("/orders", params={"status": "CANCELED"}).json()
    assert [order["id"] for order in canceled["items"]] == [second["id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"status": "LOST"}, "status"),
        ({"nextToken": "not-a-token"}, "nextToken"),
    ],
)
def test_bad_list_queries_are_400(api: ApiClient, query: dict[str, Any], field: str) -> None:
    response = api.get("/orders", params=query)

    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == field


def test_another_tenants_cursor_is_refused(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN a cursor from tenant A's list
    for _ in range(2):
        draft_order(api)
    token = api.get("/orders", params={"limit": 1}).json()["nextToken"]

    # WHEN tenant B uses it
    response = other_api.get("/orders", params={"nextToken": token})

    # THEN it is refused rather than read across tenants
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["field"] == "nextToken"


def _order_body(product_id: str, customer_id: str, **line: Any) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "effectiveDate": "2026-01-01",
        "lines": [{"productId": product_id, "quantity": 1, "termMonths": 12} | line],
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "lines[0].quantity"),
        ({"quantity": "2"}, "lines[0].quantity"),
        ({"quantity": 1.5}, "lines[0].quantity"),
        ({"termMonths": 0}, "lines[0].termMonths"),
        ({"termMonths": 121}, "lines[0].termMonths"),
        ({"discountPercent": 101}, "lines[0].discountPercent"),
        ({"discountPercent": -1}, "lines[0].discountPercent"),
        ({"startDate": "2026-02-30"}, "lines[0].startDate"),
        ({"startDate": 20260101}, "lines[0].startDate"),
        ({"colour": "blue"}, "lines[0].colour"),
    ],
)
def test_invalid_lines_are_400_and_store_nothing(api: ApiClient, change: dict[str, Any], field: str) -> None:
    # GIVEN a product and a customer
    seats, buyer = seat_product(api), customer(api)

    # WHEN an order line breaks a rule
    response = api.post("/orders", _order_body(seats["id"], buyer["id"], **change))

    # THEN it is 400 naming the field, and no order exists
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in [detail["field"] for detail in error["details"]]
    assert api.get("/orders").json()["items"] == []


def test_order_line_count_is_bounded(api: ApiClient) -> None:
    seats, buyer = seat_product(api), customer(api)
    line = {"productId": seats["id"], "quantity": 1}

    empty = api.post("/orders", {"customerId": buyer["id"], "effectiveDate": "2026-01-01", "lines": []})
    too_many = api.post("/orders", {"customerId": buyer["id"], "effectiveDate": "2026-01-01", "lines": [line] * 201})
    most = api.post("/orders", {"customerId": buyer["id"], "effectiveDate": "2026-01-01", "lines": [line] * 200})

    assert (empty.status_code, too_many.status_code, most.status_code) == (400, 400, 201)
    assert len(most.json()["lines"]) == 200
    assert Decimal(most.json()["subtotal"]) == Decimal("30.00") * 12 * 200


def test_unknown_records_and_currency_mismatch_are_422_with_each_reason(api: ApiClient) -> None:
    # GIVEN a USD customer, a EUR product and an id of nothing
    euro = seat_product(api, currency="EUR")
    dollars = seat_product(api)
    buyer = customer(api)

    # WHEN an order names all of them, and an unknown customer
    mismatched = api.post(
        "/orders",
        {
            "customerId": buyer["id"],
            "effectiveDate": "2026-01-01",
            "lines": [
                {"productId": dollars["id"], "quantity": 1},
                {"productId": euro["id"], "quantity": 1},
                {"productId": "prod_missing", "quantity": 1},
            ],
        },
    )
    nobody = api.post("/orders", _order_body(dollars["id"], "cus_missing"))

    # THEN each is 422 order_not_eligible listing every reason
    assert mismatched.status_code == 422
    error = mismatched.json()["error"]
    assert error["code"] == "order_not_eligible"
    assert [detail["field"] for detail in error["details"]] == ["lines[1].productId", "lines[2].productId"]
    assert "EUR" in error["details"][0]["message"]
    assert nobody.status_code == 422
    assert nobody.json()["error"]["details"][0]["field"] == "customerId"
    assert api.get("/orders").json()["items"] == []


def test_products_have_unique_skus_and_list_newest_first(api: ApiClient) -> None:
    # GIVEN two products
    first = onboarding_product(api)
    second = seat_product(api)

    # WHEN a third reuses a SKU
    duplicate = api.post(
        "/products",
        {
            k: v
            for k, v in second.items()
            if k in {"sku", "name", "currency", "billingPeriod", "pricingModel", "unitPrice"}
        },
    )

    # THEN it is 409 invalid_state and the list holds the two, newest first
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "invalid_state"
    listed = api.get("/products").json()
    assert [product["id"] for product in listed["items"]] == [second["id"], first["id"]]
    assert api.get(f"/products/{first['id']}").json() == first


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pricingModel": "TIERED"}, "body"),
        ({"unitPrice": "NaN"}, "unitPrice"),
        ({"unitPrice": "-1"}, "unitPrice"),
        ({"unitPrice": "12.3.4"}, "unitPrice"),
        ({"currency": "usd"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"billingPeriod": "WEEK"}, "billingPeriod"),
        ({"sku": ""}, "sku"),
    ],
)
def test_invalid_products_are_400(api: ApiClient, change: dict[str, Any], field: str) -> None:
    body = {
        "sku": "BAD",
        "name": "Bad",
        "currency": "USD",
        "billingPeriod": "MONTH",
        "pricingModel": "PER_UNIT",
        "unitPrice": "1.00",
    } | change

    response = api.post("/products", body)

    assert response.status_code == 400, response.text
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]
    assert api.get("/products").json()["items"] == []


def test_nan_and_infinity_numbers_are_400(api: ApiClient) -> None:
    body = (
        '{"sku": "N", "name": "N", "currency": "USD", "billingPeriod": "MONTH", '
        '"pricingModel": "PER_UNIT", "unitPrice": NaN}'
    )

    response = api.post("/products", data=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_a_body_over_256_kib_is_413_and_stores_nothing(api: ApiClient) -> None:
    # GIVEN a product request padded past 256 KiB
    body = {
        "sku": "BIG",
        "name": "Big",
        "currency": "USD",
        "billingPeriod": "MONTH",
        "pricingModel": "FLAT",
        "unitPrice": "1",
        "padding": "x" * (256 * 1024),
    }

    # WHEN it is sent
    response = api.post("/products", body)

    # THEN it is 413 payload_too_large and no product exists
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert api.get("/products").json()["items"] == []


def test_a_customer_reads_back_as_created_and_only_for_its_tenant(api: ApiClient, other_api: ApiClient) -> None:
    created = customer(api, name="Société Générale Ünïcödé", taxRate="0.2")

    mine = api.get(f"/customers/{created['id']}")
    theirs = other_api.get(f"/customers/{created['id']}")

    assert mine.json() == created
    assert (created["taxRate"], created["name"]) == ("0.2", "Société Générale Ünïcödé")
    assert (theirs.status_code, theirs.json()["error"]["code"]) == (404, "not_found")


def test_bodies_that_are_not_json_text_are_400(api: ApiClient) -> None:
    # WHEN a body says it is not JSON, or is not UTF-8 text at all
    form = api.post("/orders", data="customerId=1", headers={"Content-Type": "multipart/form-data"})
    plain = api.post("/orders", data='{"customerId": "1"}', headers={"Content-Type": "text/plain"})
    binary = api.post("/products", data=b"\xff\xfe\x00", headers={"Content-Type": "application/json"})

    # THEN each is 400 validation_error, never a server error
    for response in (form, plain, binary):
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "validation_error"


def test_a_method_no_route_has_is_404(api: ApiClient) -> None:
    for method in ("TRACE", "QUERY", "DELETE"):
        response = api.session.request(method, f"{api.url}/orders", timeout=30)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")
