"""Load: N signed-in uploaders and M readers against one store for a bounded time, in 1 and 2 instances.

Run as `.venv/bin/python bench/load.py [--postgres] [--seconds 20] [--uploaders 4] [--readers 4]`
(`make bench` runs it on both databases). An instance is a process with its own engine and pool, as a
dashboard server is; uploaders and readers are its threads, spread over the instances. Each uploader
signs in as the editor of its own unit and imports small ledgers of that unit through the importer
(check, then commit); each reader signs in as a viewer and reads 信访's page data for the latest
quarter, as a session of the page does when the store version changed.

Printed side by side for 1 and 2 instances: batches applied, refused (the store busy past its
wait), lost (reported applied but missing from the store, or holding other records: must be 0), and
read latency (median and 95th percentile). Exit status 1 when a batch was lost.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from report_table import print_aligned  # noqa: E402  (beside this script)
from run import PG_DEFAULT_URL, fresh_sqlite, pg_fresh_factory  # noqa: E402  (beside this script)

PASSWORD = "load test password"
ROWS_PER_BATCH = 200


def unit_of(uploader: int) -> str:
    return f"区局{uploader + 1:02d}"


def prepare(url: str, uploaders: int, readers: int) -> None:
    """Users for the run: an admin, an editor per uploader (their own unit), a viewer per reader."""
    from indicators.access import Role
    from indicators.store import Store, make_engine, users

    store = Store(make_engine(url))
    users.add_user(store.engine, store.actor, "admin", Role.ADMIN, [], PASSWORD)
    for i in range(uploaders):
        users.add_user(store.engine, store.actor, f"editor{i}", Role.EDITOR, [unit_of(i)], PASSWORD)
    for i in range(readers):
        users.add_user(store.engine, store.actor, f"reader{i}", Role.VIEWER, [], PASSWORD)
    store.engine.dispose()


def ledger(uploader: int, seq: int) -> bytes:
    """A CSV ledger of one unit: ROWS_PER_BATCH petitions with keys no other batch uses."""
    from ledgers import PETITION_HEADER, csv_bytes, petition

    rows = [
        petition(f"U{uploader}-B{seq}-{n}", received=f"2025-{1 + n % 3:02d}-{1 + n % 28:02d}", unit=unit_of(uploader))
        for n in range(ROWS_PER_BATCH)
    ]
    return csv_bytes([PETITION_HEADER, *rows])


def instance(url: str, uploaders: list[int], readers: list[int], seconds: float, results: mp.Queue) -> None:
    """One app instance: its own engine; uploader and reader threads until the deadline."""
    from indicators import views
    from indicators.ingest.reading import Upload
    from indicators.metrics.periods import parse_period
    from indicators.store import Store, StoreBusy, make_engine, users
    from indicators.store.importer import check, commit

    base = Store(make_engine(url))
    deadline = time.monotonic() + seconds
    applied: list[tuple[int, int]] = []  # (batch id, rows)
    refused: list[str] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def upload(i: int) -> None:
        store = base.acting(users.sign_in(base.engine, f"editor{i}", PASSWORD, f"10.0.{i}.1"))
        seq = 0
        while time.monotonic() < deadline:
            seq += 1
            outcome = check(store, [Upload(f"台账{i}-{seq}.csv", ledger(i, seq))])
            try:
                commit(store, outcome, f"负载 {i}-{seq}")
            except StoreBusy:
                with lock:
                    refused.append(f"{i}-{seq}")
                continue
            with lock:
                applied.append((outcome.batch_id, ROWS_PER_BATCH))

    def read(i: int) -> None:
        store = base.acting(users.sign_in(base.engine, f"reader{i}", PASSWORD, f"10.1.{i}.1"))
        quarter = parse_period("2025Q1")
        while time.monotonic() < deadline:
            start = time.perf_counter()
            store.version()
            views.page_data(store, "petitions", quarter, None)
            with lock:
                latencies.append(time.perf_counter() - start)

    threads = [threading.Thread(target=upload, args=(i,)) for i in uploaders]
    threads += [threading.Thread(target=read, args=(i,)) for i in readers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    base.engine.dispose()
    results.put({"applied": applied, "refused": refused, "latencies": latencies})


def lost_batches(url: str, applied: list[tuple[int, int]]) -> int:
    """Batches reported applied that the store does not hold as reported."""
    import sqlalchemy as sa

    from indicators.store import Store, make_engine
    from indicators.store.tables import VERSIONS

    store = Store(make_engine(url))
    held = {b["id"]: b for b in store.batches()}
    table = VERSIONS["petitions"]
    with store.engine.connect() as conn:
        counts = dict(conn.execute(sa.select(table.c.batch_id, sa.func.count()).group_by(table.c.batch_id)).all())
    store.engine.dispose()
    return sum(
        1 for batch, rows in applied if batch not in held or held[batch]["rolled_back"] or counts.get(batch) != rows
    )


def one_run(url: str, instances: int, uploaders: int, readers: int, seconds: float) -> dict:
    prepare(url, uploaders, readers)
    ctx = mp.get_context("spawn")
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=instance,
            args=(url, list(range(k, uploaders, instances)), list(range(k, readers, instances)), seconds, results),
        )
        for k in range(instances)
    ]
    for p in procs:
        p.start()
    parts = [results.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join()
    applied = [a for part in parts for a in part["applied"]]
    latencies = sorted(x for part in parts for x in part["latencies"])
    return {
        "applied": len(applied),
        "refused": sum(len(part["refused"]) for part in parts),
        "lost": lost_batches(url, applied),
        "reads": len(latencies),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT_URL))
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--uploaders", type=int, default=4)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()
    databases = [("SQLite", fresh_sqlite)] + ([("PostgreSQL", pg_fresh_factory(args.pg_url))] if args.postgres else [])
    rows, lost = [], 0
    for name, fresh in databases:
        for instances in (1, 2):
            with fresh() as url:
                r = one_run(url, instances, args.uploaders, args.readers, args.seconds)
            lost += r["lost"]
            rows.append(
                (
                    name,
                    str(instances),
                    f"{args.uploaders} / {args.readers}",
                    str(r["applied"]),
                    str(r["refused"]),
                    str(r["lost"]),
                    str(r["reads"]),
                    f"{r['p50'] * 1000:.0f} ms / {r['p95'] * 1000:.0f} ms",
                    "PASS" if r["lost"] == 0 else "FAIL",
                )
            )
            print(f"[load] {name}, {instances} instance(s): done", flush=True)
    print(f"\nLoad for {args.seconds:g} s, {ROWS_PER_BATCH} petitions a batch (target: no batch lost)")
    head = ("database", "instances", "uploaders / readers", "applied", "refused", "lost", "reads", "read p50 / p95", "")
    print_aligned(head, rows)
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
