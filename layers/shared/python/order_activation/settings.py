"""Environment of a function, parsed once and checked at first use."""

import os
from decimal import Decimal
from functools import cache

from pydantic import BaseModel, Field


class Settings(BaseModel):
    records_table: str = Field(alias="RECORDS_TABLE")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    state_machine_arn: str | None = Field(default=None, alias="STATE_MACHINE_ARN")
    api_keys_table: str | None = Field(default=None, alias="API_KEYS_TABLE")
    approval_threshold: Decimal = Field(default=Decimal("50000.00"), alias="APPROVAL_THRESHOLD")


@cache
def settings() -> Settings:
    return Settings.model_validate(dict(os.environ))
