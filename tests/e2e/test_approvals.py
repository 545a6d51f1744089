"""Orders at or above the approval threshold wait for a person: approve, reject, or let it expire."""

import time
from typing import Any

import pytest

from order_activation.settings import settings
from tests.conftest import ApiClient
from tests.e2e.helpers import activate, customer, seat_product


def _large_order(api: ApiClient) -> dict[str, Any]:
    """200 seats for a year: 200 x 30.00 x 12 = 72,000.00 before tax, above the 50,000.00 threshold."""
    seats, buyer = seat_product(api), customer(api)
    return api.create(
        "/orders",
        {
            "customerId": buyer["id"],
            "effectiveDate": "2026-01-01",
            "lines": [{"productId": seats["id"], "quantity": 200, "termMonths": 12}],
        },
    )


def _status_after(api: ApiClient, activation_id: str, leaving: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    activation = api.get(f"/activations/{activation_id}").json()
    while activation["status"] == leaving and time.monotonic() < deadline:
        time.sleep(0.2)
        activation = api.get(f"/activations/{activation_id}").json()
    return dict(activation)


def _pending(api: ApiClient) -> tuple[dict[str, Any], str]:
    order = _large_order(api)
    response = activate(api, order["id"], wait=5)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "PENDING_APPROVAL"
    return order, str(response.json()["activationId"])


def test_an_approved_order_is_activated(api: ApiClient) -> None:
    # GIVEN an order above the threshold, waiting for approval
    order, activation_id = _pending(api)
    assert api.get(f"/orders/{order['id']}").json()["status"] == "PENDING_APPROVAL"
    again = activate(api, order["id"], wait=0)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "activation_in_progress")

    # WHEN it is approved
    approved = api.post(f"/activations/{activation_id}/approve")

    # THEN the activation goes on and succeeds
    assert approved.status_code == 202
    assert approved.json()["status"] == "RUNNING"
    activation = _status_after(api, activation_id, "RUNNING")
    assert activation["status"] == "SUCCEEDED"
    assert activation["order"]["status"] == "ACTIVATED"
    assert len(activation["subscriptions"]) == 1

    # AND it cannot be approved twice
    twice = api.post(f"/activations/{activation_id}/approve")
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "invalid_state")


def test_a_rejected_order_returns_to_draft(api: ApiClient) -> None:
    # GIVEN an order waiting for approval
    order, activation_id = _pending(api)

    # WHEN it is rejected with a comment
    rejected = api.post(f"/activations/{activation_id}/reject", {"comment": "discount too deep"})

    # THEN the activation is REJECTED with the comment and the order is a DRAFT again
    assert rejected.status_code == 200, rejected.text
    activation = rejected.json()
    assert activation["status"] == "REJECTED"
    assert activation["error"] == {"code": "rejected", "message": "discount too deep", "step": "WaitForApproval"}
    assert activation["order"]["status"] == "DRAFT"
    assert activation["subscriptions"] == []

    # AND it can neither be approved now nor rejected again, but the order can be activated anew
    late = api.post(f"/activations/{activation_id}/approve")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "invalid_state")
    assert api.post(f"/activations/{activation_id}/reject", {}).status_code == 409
    anew = activate(api, order["id"], wait=5)
    assert (anew.status_code, anew.json()["status"]) == (202, "PENDING_APPROVAL")


def test_an_approval_nobody_answers_expires_as_a_rejection(api: ApiClient, monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN approvals expire after one second
    monkeypatch.setenv("APPROVAL_TIMEOUT_SECONDS", "1")
    settings.cache_clear()
    try:
        order, activation_id = _pending(api)

        # WHEN nobody answers
        activation = _status_after(api, activation_id, "PENDING_APPROVAL")
    finally:
        monkeypatch.undo()
        settings.cache_clear()

    # THEN it ended as REJECTED because it expired, and the order is a DRAFT again
    assert activation["status"] == "REJECTED"
    assert activation["error"]["code"] == "approval_expired"
    assert api.get(f"/orders/{order['id']}").json()["status"] == "DRAFT"


def test_approving_what_does_not_wait_is_refused(api: ApiClient, other_api: ApiClient) -> None:
    # GIVEN an activation waiting for approval in tenant A
    _, activation_id = _pending(api)

    # WHEN tenant B, or anyone with an unknown id, tries to answer it
    foreign = other_api.post(f"/activations/{activation_id}/approve")
    unknown = api.post("/activations/act_missing/reject", {"comment": "no"})
    bad_body = api.post(f"/activations/{activation_id}/reject", {"comment": 5})

    # THEN they are 404, and a malformed body is 400
    assert (foreign.status_code, unknown.status_code, bad_body.status_code) == (404, 404, 400)
    assert api.get(f"/activations/{activation_id}").json()["status"] == "PENDING_APPROVAL"


def test_pending_approvals_are_announced_to_people(api: ApiClient, stack: Any) -> None:
    import os

    import boto3

    # GIVEN a queue subscribed to the notification topic
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    queue_url = sqs.create_queue(QueueName=f"approvals-{os.getpid()}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = next(item["TopicArn"] for item in sns.list_topics()["Topics"] if "NotificationTopic" in item["TopicArn"])
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})

    # WHEN an order waits for approval
    order, _ = _pending(api)

    # THEN people are told
    bodies = [
        message["Body"] for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    ]
    assert f"approval.requested: order {order['id']} of tenant {api.tenant_id}" in bodies
