"""Types shared by every resource: camelCase models, money, business dates and pages."""

from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from order_activation.pricing.money import InvalidMoneyError, UnknownCurrencyError, minor_unit_exponent, parse_money


class ApiModel(BaseModel):
    """A resource as the API shows it: camelCase on the wire, snake_case in Python."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True)


class RequestModel(ApiModel):
    """A request body: unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _money_from_request(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("money must be a decimal string or a number")
    try:
        return parse_money(value)
    except (InvalidMoneyError, TypeError) as error:
        raise ValueError(str(error)) from error


def _business_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("dates are written YYYY-MM-DD")
    return value


def _known_currency(value: str) -> str:
    try:
        minor_unit_exponent(value)
    except UnknownCurrencyError as error:
        raise ValueError(f"unknown currency {value!r}: use an ISO 4217 code such as USD") from error
    return value


def _tax_rate(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise ValueError("taxRate is a decimal string such as '0.0825'")
    try:
        rate = Decimal(str(value))
    except InvalidOperation as error:
        raise ValueError("taxRate is a decimal string such as '0.0825'") from error
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise ValueError("taxRate is a fraction between 0 and 1")
    return rate


MoneyIn = Annotated[Decimal, BeforeValidator(_money_from_request)]
"""Money sent by a client: a decimal string or a JSON number, never read through a float."""

Money = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]
"""Money the API answers with: a decimal string at the currency's minor unit."""

TaxRate = Annotated[Decimal, BeforeValidator(_tax_rate), PlainSerializer(str, return_type=str)]

BusinessDate = Annotated[date, BeforeValidator(_business_date)]

CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)]

StrictBool = Annotated[bool, Field(strict=True)]

Text = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]

ItemT = TypeVar("ItemT")


class Page(ApiModel, Generic[ItemT]):
    """One page of a list, newest first; `nextToken` fetches the next page."""

    items: list[ItemT]
    next_token: str | None = None


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def timestamp(moment: datetime) -> str:
    """RFC 3339 UTC, as every timestamp of the API."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
