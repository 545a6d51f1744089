"""The one DynamoDB table of records: access, transactions, batches and page tokens."""

import base64
import binascii
import json
import os
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from order_activation import aws
from order_activation.errors import ValidationFailedError

Item = dict[str, Any]

BATCH_GET_LIMIT = 100
TRANSACTION_LIMIT = 100


def _resource() -> Any:
    return aws.resource("dynamodb")


def records_table() -> Any:
    """The table named by `RECORDS_TABLE`, its resource object made once."""
    return aws.table(os.environ["RECORDS_TABLE"])


def client() -> Any:
    """The resource's client: it reads and writes plain Python values, not typed attributes."""
    return _resource().meta.client


def new_id(prefix: str) -> str:
    """A time-ordered, unguessable id such as `ord_18b3c4d5e6f7a8b95c1d2e3f`."""
    return f"{prefix}_{time.time_ns():016x}{secrets.token_hex(4)}"


_DERIVED_IDS = uuid.UUID("5f0c6a52-8d7e-4c55-9a51-0b7f3c1e2d40")


def derived_id(prefix: str, *parts: str) -> str:
    """An id that the same `parts` always give, so a retried write finds what it wrote before."""
    return f"{prefix}_{uuid.uuid5(_DERIVED_IDS, '/'.join((prefix, *parts))).hex[:24]}"


def plain(value: Any) -> Any:
    """Turns DynamoDB's Decimal numbers back into ints where they are whole."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    if isinstance(value, dict):
        return {key: plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [plain(inner) for inner in value]
    return value


def put_operation(item: Item, condition: str | None = None, values: Item | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"TableName": records_table().name, "Item": item}
    if condition:
        operation["ConditionExpression"] = condition
    if values:
        operation["ExpressionAttributeValues"] = values
    return {"Put": operation}


def update_operation(
    key: Item,
    update: str,
    values: Item,
    condition: str | None = None,
    names: dict[str, str] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "TableName": records_table().name,
        "Key": key,
        "UpdateExpression": update,
        "ExpressionAttributeValues": values,
    }
    if condition:
        operation["ConditionExpression"] = condition
    if names:
        operation["ExpressionAttributeNames"] = names
    return {"Update": operation}


class TransactionConflictError(Exception):
    """A condition of a transaction did not hold; `reasons` has one code per operation."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(f"transaction cancelled: {reasons}")
        self.reasons = reasons


def transact(operations: Sequence[dict[str, Any]]) -> None:
    """Writes all operations or none of them."""
    try:
        client().transact_write_items(TransactItems=list(operations))
    except ClientError as error:
        if error.response["Error"]["Code"] != "TransactionCanceledException":
            raise
        reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
        raise TransactionConflictError(reasons) from error


def batch_get(keys: Sequence[Item], consistent: bool = False) -> list[Item]:
    """Reads many items by key, 100 at a time, retrying what DynamoDB left unprocessed."""
    found: list[Item] = []
    name = records_table().name

    for start in range(0, len(keys), BATCH_GET_LIMIT):
        request = {"Keys": list(keys[start : start + BATCH_GET_LIMIT]), "ConsistentRead": consistent}
        pending: dict[str, Any] = {name: request}
        while pending:
            response = _resource().batch_get_item(RequestItems=pending)
            found.extend(response["Responses"].get(name, []))
            pending = response.get("UnprocessedKeys") or {}

    return found


def batch_put(items: Iterable[Item]) -> None:
    with records_table().batch_writer() as writer:
        for item in items:
            writer.put_item(Item=item)


def batch_delete(keys: Iterable[Item]) -> None:
    with records_table().batch_writer() as writer:
        for key in keys:
            writer.delete_item(Key=key)


def encode_page_token(last_key: Item | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(plain(last_key), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(token: str | None, partition_key: str, partition: str) -> Item | None:
    """Reads a `nextToken`; a token of another list, or a forged one, is a validation error."""
    if not token:
        return None

    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        key = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise _bad_token() from error

    if not isinstance(key, dict) or key.get(partition_key) != partition:
        raise _bad_token()
    return key


def _bad_token() -> ValidationFailedError:
    return ValidationFailedError(
        "nextToken is not valid for this list",
        [{"field": "nextToken", "message": "use the nextToken of the previous page"}],
    )


def query_page(
    index: str | None,
    partition_key: str,
    partition: str,
    limit: int,
    token: str | None,
) -> tuple[list[Item], str | None]:
    """One page of a partition, newest first."""
    arguments: dict[str, Any] = {
        "KeyConditionExpression": f"{partition_key} = :partition",
        "ExpressionAttributeValues": {":partition": partition},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    if index:
        arguments["IndexName"] = index
    start = decode_page_token(token, partition_key, partition)
    if start:
        arguments["ExclusiveStartKey"] = start

    try:
        response = records_table().query(**arguments)
    except ClientError as error:
        if error.response["Error"]["Code"] == "ValidationException" and start:
            raise _bad_token() from error
        raise

    return response["Items"], encode_page_token(response.get("LastEvaluatedKey"))


def query_all(
    index: str | None, partition_key: str, partition: str, sort_condition: tuple[str, str, str] | None = None
) -> Iterator[Item]:
    """Every item of a partition, oldest first, page after page.

    `sort_condition` is `(sort key, "begins_with" or "<=", value)`.
    """
    arguments: dict[str, Any] = {
        "KeyConditionExpression": f"{partition_key} = :partition",
        "ExpressionAttributeValues": {":partition": partition},
    }
    if sort_condition:
        sort_key, operator, value = sort_condition
        test = f"begins_with({sort_key}, :sort)" if operator == "begins_with" else f"{sort_key} {operator} :sort"
        arguments["KeyConditionExpression"] += f" AND {test}"
        arguments["ExpressionAttributeValues"][":sort"] = value
    if index:
        arguments["IndexName"] = index

    while True:
        response = records_table().query(**arguments)
        yield from response["Items"]
        if "LastEvaluatedKey" not in response:
            return
        arguments["ExclusiveStartKey"] = response["LastEvaluatedKey"]


def attributes(item: Item) -> Item:
    """The stored item without its key attributes, ready for a model."""
    return {key: plain(value) for key, value in item.items() if not _is_key(key)}


def _is_key(name: str) -> bool:
    return name in {"pk", "sk", "kind"} or name.startswith("gsi")
