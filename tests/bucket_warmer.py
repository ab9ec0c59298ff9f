"""The test buckets' helper process (tests.services.WarmBuckets): for each bucket name read
from stdin, create the bucket, put and delete one object, then answer `ok NAME` (or
`error NAME WHY`) on stdout.

SeaweedFS answers the first put of bytes into a new bucket after about 0.2 s (it finds
volumes for the bucket's collection; an empty object needs none), later ones in
milliseconds, also after that object is deleted. Done here, one test ahead, that wait
falls while the test before runs; the test still gets a bucket of its own, empty (the object
is deleted), made for it alone. A process, not a thread: tests patch time, botocore's clock
and psycopg in their own process."""

from __future__ import annotations

import sys

from pipeline.adapters.s3 import make_s3_client
from pipeline.settings import Settings

WARM_KEY = "bucket-warm-up"


def main() -> None:
    s3 = make_s3_client(Settings.from_env())
    for line in sys.stdin:
        name = line.strip()
        try:
            s3.create_bucket(Bucket=name)
            s3.put_object(Bucket=name, Key=WARM_KEY, Body=b"warm")
            s3.delete_object(Bucket=name, Key=WARM_KEY)
        except Exception as exc:
            answer = f"error {name} {type(exc).__name__}: {exc}".replace("\n", " ")
        else:
            answer = f"ok {name}"
        print(answer, flush=True)


if __name__ == "__main__":
    main()
