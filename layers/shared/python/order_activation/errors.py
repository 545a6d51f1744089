"""Domain errors, each carrying the error code of the public API contract.

The HTTP layer maps them to status codes in one place (`http.errors`).
"""

from typing import Any


class DomainError(Exception):
    """A failure the caller can act on; `code` is one of the contract's error codes."""

    code = "internal_error"
    status = 500

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationFailedError(DomainError):
    code = "validation_error"
    status = 400


class UnauthorizedError(DomainError):
    code = "unauthorized"
    status = 401


class NotFoundError(DomainError):
    code = "not_found"
    status = 404


class OrderNotDraftError(DomainError):
    code = "order_not_draft"
    status = 409


class IdempotencyKeyReusedError(DomainError):
    code = "idempotency_key_reused"
    status = 409


class ActivationInProgressError(DomainError):
    code = "activation_in_progress"
    status = 409


class InvalidStateError(DomainError):
    code = "invalid_state"
    status = 409


class PayloadTooLargeError(DomainError):
    code = "payload_too_large"
    status = 413


class OrderNotEligibleError(DomainError):
    code = "order_not_eligible"
    status = 422


class ActivationStepError(Exception):
    """An activation step cannot go on; the state machine records it and undoes the order's records."""


class PricingMismatchError(ActivationStepError):
    """The order's captured prices no longer add up to its totals."""


class RecordNotFoundError(ActivationStepError):
    """A record the activation relies on has disappeared."""


class InvalidSignatureError(DomainError):
    code = "invalid_signature"
    status = 400
