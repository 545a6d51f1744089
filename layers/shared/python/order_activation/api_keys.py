"""API keys: each belongs to one tenant and is stored only as its SHA-256 hash."""

import hashlib
import os
from typing import Any

from order_activation import aws


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


def _keys_table() -> Any:
    return aws.table(os.environ["API_KEYS_TABLE"])


def tenant_for_key(api_key: str | None) -> str | None:
    """The tenant that owns the key, or None for a missing or unknown key."""
    if not api_key or len(api_key) > 256:
        return None
    item = _keys_table().get_item(Key={"keyHash": key_hash(api_key)}).get("Item")
    return str(item["tenantId"]) if item else None


def register_key(tenant_id: str, api_key: str) -> None:
    _keys_table().put_item(Item={"keyHash": key_hash(api_key), "tenantId": tenant_id})


def authorize(headers: dict[str, str] | None, method_arn: str) -> dict[str, Any]:
    """A Lambda REQUEST authorizer's answer: allow the whole API for the key's tenant.

    An unknown key raises, which API Gateway answers with 401.
    """
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    tenant_id = tenant_for_key(lowered.get("x-api-key"))
    if tenant_id is None:
        raise PermissionError("Unauthorized")

    api_arn = "/".join(method_arn.split("/")[:2]) + "/*"
    return {
        "principalId": tenant_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": api_arn}],
        },
        "context": {"tenantId": tenant_id},
    }
