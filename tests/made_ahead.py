"""The tests' helper process (tests.services.MadeAhead): it makes the next test's bucket and
database while the current test runs. Requests on stdin, one a line:

    bucket NAME               create the bucket, put and delete one object in it
    database NAME TEMPLATE    CREATE DATABASE NAME TEMPLATE TEMPLATE

each answered on stdout with `ok NAME` or `error NAME WHY` (a bucket and a database are
made at the same time, each kind in the order asked).

Both take a fixed wait that falls on the test otherwise: SeaweedFS answers the first put of
bytes into a new bucket after about 0.2 s (it finds volumes for the bucket's collection; an
empty object needs none), later ones in milliseconds, also after that object is deleted;
a clone of the migrated template writes it all to the WAL and waits for the flush (0.1 to
0.3 s). Each test still gets a bucket and a database of its own, new and untouched (the
warm-up object is deleted), made for it alone. A process, not a thread: tests patch time,
botocore's clock and psycopg's execute in their own process."""

from __future__ import annotations

import queue
import sys
import threading

import psycopg
from psycopg import sql

from pipeline.adapters.s3 import make_s3_client
from pipeline.db.migrate import with_database
from pipeline.settings import Settings

WARM_KEY = "bucket-warm-up"


def main() -> None:
    settings = Settings.from_env()
    s3 = make_s3_client(settings)
    admin = with_database(settings.database_url, "postgres")
    said = threading.Lock()

    def make(kind: str, name: str, *args: str) -> None:
        if kind == "bucket":
            s3.create_bucket(Bucket=name)
            s3.put_object(Bucket=name, Key=WARM_KEY, Body=b"warm")
            s3.delete_object(Bucket=name, Key=WARM_KEY)
        elif kind == "database":
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(args[0])
                    )
                )
        else:
            raise ValueError(f"unknown request {kind!r}")

    def serve(requests: queue.SimpleQueue[list[str] | None]) -> None:
        while (request := requests.get()) is not None:
            kind, name, *args = request
            try:
                make(kind, name, *args)
            except Exception as exc:
                answer = f"error {name} {type(exc).__name__}: {exc}".replace("\n", " ")
            else:
                answer = f"ok {name}"
            with said:
                print(answer, flush=True)

    # One thread a kind: a bucket and a database are made at the same time.
    lines: dict[str, queue.SimpleQueue[list[str] | None]] = {}
    threads = []
    for line in sys.stdin:
        request = line.split()
        if request[0] not in lines:
            lines[request[0]] = queue.SimpleQueue()
            threads.append(threading.Thread(target=serve, args=(lines[request[0]],)))
            threads[-1].start()
        lines[request[0]].put(request)
    for requests in lines.values():
        requests.put(None)
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    main()
