"""boto3 clients and resources, created once per process.

A Lambda sandbox runs one invocation at a time; the local runtime runs many
handlers in threads of one process. boto3's default session must not build
clients from several threads at once, so creation holds a lock. Clients are
thread-safe; the DynamoDB table resources here only send requests (they never
lazy-load attributes), so sharing them is safe too.
"""

import threading
from typing import Any

import boto3

_creation = threading.RLock()
_made: dict[tuple[str, str], Any] = {}


def client(service: str) -> Any:
    return _cached(("client", service), lambda: boto3.client(service))  # type: ignore[call-overload]


def resource(service: str) -> Any:
    return _cached(("resource", service), lambda: boto3.resource(service))  # type: ignore[call-overload]


def table(name: str) -> Any:
    """A DynamoDB table resource, made once per name."""
    return _cached(("table", name), lambda: resource("dynamodb").Table(name))


def _cached(key: tuple[str, str], build: Any) -> Any:
    made = _made.get(key)
    if made is None:
        with _creation:
            made = _made.get(key)
            if made is None:
                made = _made[key] = build()
    return made
