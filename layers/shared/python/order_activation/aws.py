"""boto3 clients and resources, one per thread.

A Lambda sandbox runs one invocation at a time, but the local runtime runs many
handlers in threads of one process, where boto3's default session must not be
used to build clients concurrently.
"""

import threading
from typing import Any

import boto3

_creation = threading.Lock()
_per_thread = threading.local()


def client(service: str) -> Any:
    return _cached(("client", service), lambda: boto3.client(service))  # type: ignore[call-overload]


def resource(service: str) -> Any:
    return _cached(("resource", service), lambda: boto3.resource(service))  # type: ignore[call-overload]


def _cached(key: tuple[str, str], build: Any) -> Any:
    cache: dict[tuple[str, str], Any] = getattr(_per_thread, "cache", None) or {}
    _per_thread.cache = cache
    if key not in cache:
        with _creation:
            cache[key] = build()
    return cache[key]
