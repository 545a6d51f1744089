"""Reads the local Stripe directly, so tests count charges where the money is."""

import hashlib
import hmac
import json
import os
import time
from typing import Any

import stripe


def stripe_api() -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_local", base_addresses={"api": os.environ["STRIPE_API_BASE"]})


def intents_for_invoice(invoice_id: str) -> list[Any]:
    """Every PaymentIntent Stripe holds for the invoice, found by its metadata."""
    listed = stripe_api().v1.payment_intents.list(params={"limit": 100})
    return [
        intent
        for intent in listed.auto_paging_iter()
        if intent.metadata and intent.metadata.to_dict().get("invoice_id") == invoice_id
    ]


def signed(event: dict[str, Any], secret: str, at: int | None = None) -> tuple[str, str]:
    """A webhook body and its `Stripe-Signature` header, as Stripe signs them."""
    payload = json.dumps(event)
    timestamp = int(time.time()) if at is None else at
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return payload, f"t={timestamp},v1={digest}"


def payment_intent_event(event_id: str, kind: str, intent_id: str, metadata: dict[str, str]) -> dict[str, Any]:
    failure = {"message": "Your card was declined."} if kind == "payment_intent.payment_failed" else None
    return {
        "id": event_id,
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "data": {
            "object": {
                "id": intent_id,
                "object": "payment_intent",
                "status": "succeeded" if kind == "payment_intent.succeeded" else "requires_payment_method",
                "metadata": metadata,
                "last_payment_error": failure,
            }
        },
    }
