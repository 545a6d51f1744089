"""A failed activation leaves nothing of its order behind; a retried step doubles nothing."""

from typing import Any

import pytest

from order_activation.activation import steps
from order_activation.errors import ActivationStepError
from order_activation.models.activations import ActivationStepInput
from order_activation.storage import dynamo
from tests.conftest import ApiClient
from tests.e2e.helpers import activate, draft_order


def _tamper_total(api: ApiClient, order_id: str, total: str) -> None:
    key = {"pk": f"{api.tenant_id}#ORDER#{order_id}", "sk": "ORDER"}
    dynamo.records_table().update_item(
        Key=key,
        UpdateExpression="SET #total = :total",
        ExpressionAttributeNames={"#total": "total"},
        ExpressionAttributeValues={":total": total},
    )


def _records_of(api: ApiClient, customer_id: str) -> dict[str, list[Any]]:
    return {
        kind: api.get(f"/customers/{customer_id}/{kind}").json()["items"]
        for kind in ("subscriptions", "assets", "entitlements")
    }


def test_prices_that_no_longer_add_up_fail_the_activation_cleanly(api: ApiClient) -> None:
    # GIVEN a draft whose stored total no longer matches its lines
    order = draft_order(api)
    _tamper_total(api, order["id"], "1.00")

    # WHEN it is activated
    response = activate(api, order["id"])

    # THEN the activation FAILED in FinalizePricing and says why
    assert response.status_code == 200, response.text
    activation = response.json()
    assert activation["status"] == "FAILED"
    assert activation["error"]["code"] == "pricing_mismatch"
    assert activation["error"]["step"] == "FinalizePricing"
    assert "1.00" in activation["error"]["message"]

    # AND the order is ACTIVATION_FAILED with nothing created for it
    assert api.get(f"/orders/{order['id']}").json()["status"] == "ACTIVATION_FAILED"
    assert _records_of(api, order["customerId"]) == {"subscriptions": [], "assets": [], "entitlements": []}


def test_a_late_failure_undoes_the_subscriptions_already_made(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN granting entitlements fails after the subscriptions were written
    def refuse(*_: Any) -> list[Any]:
        raise ActivationStepError("entitlement service refused the grant")

    monkeypatch.setattr(steps, "_entitlements", refuse)
    order = draft_order(api)

    # WHEN the order is activated
    activation = activate(api, order["id"]).json()

    # THEN the activation FAILED in that step
    assert activation["status"] == "FAILED"
    assert activation["error"] == {
        "code": "activation_step_failed",
        "message": "entitlement service refused the grant",
        "step": "GrantAssetsAndEntitlements",
    }

    # AND no subscription, asset or entitlement of the order remains
    assert activation["subscriptions"] == activation["assets"] == activation["entitlements"] == []
    assert _records_of(api, order["customerId"]) == {"subscriptions": [], "assets": [], "entitlements": []}
    assert api.get(f"/orders/{order['id']}").json()["status"] == "ACTIVATION_FAILED"

    # AND once the fault is gone the order activates again, with one of each record
    monkeypatch.undo()
    retried = activate(api, order["id"]).json()
    assert retried["status"] == "SUCCEEDED"
    assert retried["activationId"] != activation["activationId"]
    records = _records_of(api, order["customerId"])
    assert (len(records["subscriptions"]), len(records["assets"]), len(records["entitlements"])) == (1, 1, 3)


def test_an_unexpected_fault_is_reported_without_its_details(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN a step that crashes with a programming error
    def crash(*_: Any) -> Any:
        raise KeyError("secret internal detail")

    monkeypatch.setattr(steps, "_subscription", crash)
    order = draft_order(api)

    # WHEN the order is activated
    activation = activate(api, order["id"]).json()

    # THEN the activation FAILED as an internal error that shows no internals
    assert activation["status"] == "FAILED"
    assert activation["error"]["code"] == "internal_error"
    assert activation["error"]["step"] == "ApplySubscriptions"
    assert "secret" not in activation["error"]["message"]


def test_steps_run_again_create_nothing_twice(api: ApiClient) -> None:
    # GIVEN an activated order
    order = draft_order(api)
    activation = activate(api, order["id"]).json()
    step_input = ActivationStepInput(
        tenant_id=api.tenant_id, activation_id=activation["activationId"], order_id=order["id"]
    )

    # WHEN every step runs once more, as after a retry
    for step in (
        steps.finalize_pricing,
        steps.apply_subscriptions,
        steps.grant_assets_and_entitlements,
        steps.complete_activation,
    ):
        step(step_input)

    # THEN the activation still has exactly its records, with their numbers
    again = api.get(f"/activations/{activation['activationId']}").json()
    assert again["status"] == "SUCCEEDED"
    assert [item["subscriptionNumber"] for item in again["subscriptions"]] == ["SUB-000001"]
    assert [item["assetNumber"] for item in again["assets"]] == ["AST-000001"]
    assert len(again["entitlements"]) == 3

    # AND no number was used up: the next order's subscription is SUB-000002
    second = activate(api, draft_order(api)["id"]).json()
    assert [item["subscriptionNumber"] for item in second["subscriptions"]] == ["SUB-000002"]


def test_lock_order_refuses_an_order_that_is_not_activating(api: ApiClient) -> None:
    # GIVEN an activation whose order has already been activated
    order = draft_order(api)
    activation = activate(api, order["id"]).json()
    step_input = ActivationStepInput(
        tenant_id=api.tenant_id, activation_id=activation["activationId"], order_id=order["id"]
    )

    # WHEN LockOrder runs for it again
    # THEN it refuses, so a stray execution cannot touch an activated order
    with pytest.raises(ActivationStepError, match="not ACTIVATING"):
        steps.lock_order(step_input)
