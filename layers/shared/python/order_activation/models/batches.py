"""Batch activation: what starts a batch, what each order of it comes to, and the summary."""

from typing import Annotated, Literal

from pydantic import Field

from order_activation.models.activations import ActivationRequest
from order_activation.models.common import ApiModel, RequestModel
from order_activation.models.orders import RecordId

BatchOutcomeStatus = Literal["SUCCEEDED", "FAILED", "SKIPPED"]
BatchTrigger = Literal["event", "schedule"]

MAX_ORDERS_PER_EVENT = 10_000


class ActivateOrdersDetail(RequestModel):
    """The `detail` of an `ActivateOrders` event."""

    tenant_id: Annotated[str, Field(min_length=1, max_length=128)]
    order_ids: Annotated[list[RecordId], Field(min_length=1, max_length=MAX_ORDERS_PER_EVENT)]
    options: ActivationRequest = ActivationRequest()


class BatchInput(ApiModel):
    """The input of one BatchActivation execution: the batch and where its order ids are."""

    tenant_id: str
    batch_id: str
    manifest_bucket: str
    manifest_key: str
    options: ActivationRequest
    outcome_timeout_seconds: int
    max_concurrency: int


class BatchItem(ApiModel):
    """One order of a batch, with the task token its outcome is reported to."""

    tenant_id: str
    batch_id: str
    order_id: str
    options: ActivationRequest
    task_token: str


class BatchOutcome(ApiModel):
    """What one order of a batch came to."""

    order_id: str
    status: BatchOutcomeStatus
    activation_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class BatchRecord(ApiModel):
    """A batch as stored: its size and running counts."""

    batch_id: str
    tenant_id: str
    trigger: BatchTrigger
    status: Literal["RUNNING", "COMPLETED"]
    total: int
    succeeded: int = 0
    failed: int = 0
    skipped: int = 0
    started_at: str
    completed_at: str | None = None

    @property
    def done(self) -> int:
        return self.succeeded + self.failed + self.skipped


class BatchSummary(ApiModel):
    """The detail of `batch.completed`."""

    tenant_id: str
    batch_id: str
    trigger: BatchTrigger
    total: int
    succeeded: int
    failed: int
    skipped: int
    failed_order_ids: list[str]
    started_at: str
    completed_at: str
