"""Invoice PDFs in S3: written once, read through time-limited links."""

import os
from typing import Any

from botocore.exceptions import ClientError

from order_activation import aws

LINK_SECONDS = 900


def _bucket() -> str:
    return os.environ["INVOICE_BUCKET"]


def _s3() -> Any:
    return aws.client("s3")


def exists(key: str) -> bool:
    try:
        _s3().head_object(Bucket=_bucket(), Key=key)
    except ClientError as error:
        if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return False
        raise
    return True


def put_once(key: str, body: bytes) -> bool:
    """Writes the document unless it exists; answers whether this call wrote it."""
    try:
        _s3().put_object(Bucket=_bucket(), Key=key, Body=body, ContentType="application/pdf", IfNoneMatch="*")
    except ClientError as error:
        if error.response["Error"]["Code"] in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    return True


def link(key: str, seconds: int = LINK_SECONDS) -> str:
    """A time-limited GET link to the document."""
    return str(_s3().generate_presigned_url("get_object", Params={"Bucket": _bucket(), "Key": key}, ExpiresIn=seconds))


def delete_everywhere(prefix: str) -> int:
    """Deletes every version of every document under `prefix`; answers how many."""
    client = _s3()
    deleted = 0
    paginator = client.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=_bucket(), Prefix=prefix):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        objects = [{"Key": item["Key"], "VersionId": item["VersionId"]} for item in versions]
        if objects:
            client.delete_objects(Bucket=_bucket(), Delete={"Objects": objects, "Quiet": True})
            deleted += len(objects)
    return deleted
