"""Exit 0 when the S3 server really stores and returns an object (a put + get, not a list)."""

from __future__ import annotations

import sys
import uuid

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings


def main() -> int:
    settings = Settings.from_env()
    s3 = make_s3_client(settings)
    try:
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if settings.s3_bucket not in existing:
            s3.create_bucket(Bucket=settings.s3_bucket)
        key = f"_probe/{uuid.uuid4().hex}"
        body = b"ready"
        s3.put_object(Bucket=settings.s3_bucket, Key=key, Body=body)
        got = s3.get_object(Bucket=settings.s3_bucket, Key=key)["Body"].read()
        s3.delete_object(Bucket=settings.s3_bucket, Key=key)
    except Exception as exc:  # any failure means "not ready yet"
        print(f"s3 not ready: {exc}", file=sys.stderr)
        return 1
    return 0 if got == body else 1


if __name__ == "__main__":
    sys.exit(main())
