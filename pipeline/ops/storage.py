"""`complaints storage init`: make sure the evidence bucket exists and these credentials
can use it. Creates the bucket when it is missing and creation is allowed; otherwise (or
when it exists) verifies access with a put, a get and a delete of one small object, the
operations the pipeline relies on. Errors say what to do, not only what failed."""

from __future__ import annotations

import uuid
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pipeline.settings import Settings

CHECK_PREFIX = "_storage-check/"


class StorageError(Exception):
    """The bucket cannot be used; the message names the bucket, the endpoint and a fix."""


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def init_bucket(settings: Settings, s3: Any, create: bool = True) -> list[str]:
    """What was done, line by line; raises StorageError when the bucket is unusable."""
    bucket, where = settings.s3_bucket, settings.s3_endpoint
    done: list[str] = []
    try:
        s3.head_bucket(Bucket=bucket)
        done.append(f"bucket {bucket} exists")
    except ClientError as exc:
        if _code(exc) in ("403", "AccessDenied", "Forbidden"):
            raise StorageError(
                f"bucket {bucket} at {where}: access denied to these credentials "
                "(COMPLAINTS_S3_ACCESS_KEY); grant them read, write and list on it"
            ) from None
        if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
            raise StorageError(f"bucket {bucket} at {where}: {_code(exc) or exc}") from None
        if not create:
            raise StorageError(
                f"bucket {bucket} does not exist at {where}; create it, or run "
                "`complaints storage init` with credentials allowed to create buckets"
            ) from None
        try:
            s3.create_bucket(Bucket=bucket)
        except ClientError as err:
            if _code(err) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise StorageError(
                    f"bucket {bucket} does not exist at {where} and these credentials may "
                    f"not create it ({_code(err)}): create it with an administrator's "
                    "credentials, then run this again to verify access"
                ) from None
        done.append(f"created bucket {bucket}")
    except BotoCoreError as exc:
        raise StorageError(f"S3 endpoint {where} unreachable: {exc}") from None
    key = f"{CHECK_PREFIX}{uuid.uuid4().hex}"
    try:
        s3.put_object(Bucket=bucket, Key=key, Body=b"ok")
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.delete_object(Bucket=bucket, Key=key)
    except (ClientError, BotoCoreError) as exc:
        raise StorageError(
            f"bucket {bucket} at {where}: put/get/delete failed ({exc}); "
            "the credentials need read, write and delete on it"
        ) from None
    if body != b"ok":
        raise StorageError(f"bucket {bucket} at {where} returned other bytes than were put")
    done.append(f"verified put, get and delete in {bucket}")
    return done
