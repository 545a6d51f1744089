"""AWS list prices and the cost model of an activation, from the work counted in one run.

Prices are us-east-1 list prices as of 2026, on-demand, without free tiers, savings
plans or taxes. They are assumptions to check against the AWS pricing pages before they
are relied on; change them here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

MILLION = Decimal(1_000_000)
GIB = Decimal(1024**3)
LAMBDA_MB_PER_VCPU = Decimal(1769)
"""Lambda gives a function one full vCPU at 1,769 MB, and a share in proportion below it."""


@dataclass(frozen=True)
class Price:
    label: str
    amount: Decimal
    unit: str


PRICES = {
    "lambda_gb_second": Price("Lambda compute, arm64", Decimal("0.0000133334"), "per GB-second"),
    "lambda_request": Price("Lambda requests", Decimal("0.20"), "per million requests"),
    "state_transition": Price("Step Functions Standard", Decimal("0.025"), "per 1,000 state transitions"),
    "write_unit": Price("DynamoDB on-demand writes", Decimal("0.625"), "per million write request units"),
    "read_unit": Price("DynamoDB on-demand reads", Decimal("0.125"), "per million read request units"),
    "dynamodb_storage": Price("DynamoDB storage", Decimal("0.25"), "per GB-month"),
    "s3_put": Price("S3 PUT requests", Decimal("0.005"), "per 1,000 requests"),
    "s3_get": Price("S3 GET and HEAD requests", Decimal("0.0004"), "per 1,000 requests"),
    "s3_storage": Price("S3 Standard storage", Decimal("0.023"), "per GB-month"),
    "event": Price("EventBridge custom events", Decimal("1.00"), "per million events"),
    "sns_publish": Price("SNS publishes", Decimal("0.50"), "per million requests"),
    "api_request": Price("API Gateway REST API", Decimal("3.50"), "per million requests"),
}
PER_UNIT = {
    "lambda_gb_second": Decimal(1),
    "lambda_request": MILLION,
    "state_transition": Decimal(1000),
    "write_unit": MILLION,
    "read_unit": MILLION,
    "dynamodb_storage": GIB,
    "s3_put": Decimal(1000),
    "s3_get": Decimal(1000),
    "s3_storage": GIB,
    "event": MILLION,
    "sns_publish": MILLION,
    "api_request": MILLION,
}
"""How many of the counted units one price is for (storage is counted in bytes)."""


@dataclass
class Usage:
    """The billable units of one activation."""

    lambda_gb_seconds: Decimal = Decimal(0)
    lambda_requests: int = 0
    state_transitions: int = 0
    write_units: Decimal = Decimal(0)
    read_units: Decimal = Decimal(0)
    dynamodb_bytes: int = 0
    s3_puts: int = 0
    s3_gets: int = 0
    s3_bytes: int = 0
    events: int = 0
    sns_publishes: int = 0
    api_requests: int = 0

    def units(self) -> dict[str, Decimal]:
        """Units by price key; stored bytes are kept for one month."""
        return {
            "lambda_gb_second": self.lambda_gb_seconds,
            "lambda_request": Decimal(self.lambda_requests),
            "state_transition": Decimal(self.state_transitions),
            "write_unit": self.write_units,
            "read_unit": self.read_units,
            "dynamodb_storage": Decimal(self.dynamodb_bytes),
            "s3_put": Decimal(self.s3_puts),
            "s3_get": Decimal(self.s3_gets),
            "s3_storage": Decimal(self.s3_bytes),
            "event": Decimal(self.events),
            "sns_publish": Decimal(self.sns_publishes),
            "api_request": Decimal(self.api_requests),
        }


def gb_seconds(seconds: float, memory_mb: int) -> Decimal:
    """Lambda bills each invocation's duration rounded up to the millisecond."""
    milliseconds = math.ceil(seconds * 1000)
    return Decimal(milliseconds) / 1000 * Decimal(memory_mb) / 1024


def cost_of(usage: Usage, activations: int) -> dict[str, Decimal]:
    """Dollars by price key for `activations` activations alike."""
    return {
        key: units * activations * PRICES[key].amount / PER_UNIT[key] for key, units in usage.units().items() if units
    }
