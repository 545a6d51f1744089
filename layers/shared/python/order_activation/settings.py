"""Environment of a function, parsed once and checked at first use."""

import os
from decimal import Decimal
from functools import cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    records_table: str = Field(alias="RECORDS_TABLE")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    state_machine_arn: str | None = Field(default=None, alias="STATE_MACHINE_ARN")
    batch_state_machine_arn: str | None = Field(default=None, alias="BATCH_STATE_MACHINE_ARN")
    batch_manifest_bucket: str | None = Field(default=None, alias="BATCH_MANIFEST_BUCKET")
    batch_concurrency: int = Field(default=40, ge=1, le=1000, alias="BATCH_CONCURRENCY")
    api_keys_table: str | None = Field(default=None, alias="API_KEYS_TABLE")
    approval_threshold: Decimal = Field(default=Decimal("50000.00"), alias="APPROVAL_THRESHOLD")
    approval_timeout_seconds: int = Field(default=3 * 24 * 3600, ge=1, alias="APPROVAL_TIMEOUT_SECONDS")
    invoice_bucket: str | None = Field(default=None, alias="INVOICE_BUCKET")
    payment_terms_days: int = Field(default=30, ge=0, le=365, alias="PAYMENT_TERMS_DAYS")
    seller_name: str = Field(default="Order Activation Inc.", alias="SELLER_NAME")
    seller_address: str = Field(default="", alias="SELLER_ADDRESS")


@cache
def settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
