"""Writers at once, as real processes: eight imports into a new store and into a store of 500,000 records,
and concurrent `sample` runs. Every batch lands, none is lost, no record is current twice, and the
figures equal replaying the batches one by one in the order the store gave them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from conftest import new_database

from indicators.ingest.reading import Upload
from indicators.metrics.aggregate import compute
from indicators.metrics.periods import parse_period
from indicators.schema import PETITIONS, default_unit
from indicators.store import Store, make_engine
from indicators.store.importer import prepare, run_import
from indicators.store.plan import Batch, FileInfo, with_keys
from indicators.store.tables import VERSIONS
from ledgers import PETITION_HEADER, csv_bytes, petition

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 8
ROWS = 3_000
SHARED = 40  # keys every worker's ledger carries, each with its own channel: the order of batches matters
CHANNELS = ("来信来访", "民呼我为", "国土空间平台", "自然资源部系统", "重庆市智能信访工作平台")
BIG_STORE = 500_000


def ledger(worker: int) -> bytes:
    first = date(2025, 1, 1)
    rows = [petition(f"W{worker}-{n:05d}", str(first + timedelta(days=n % 180)), CHANNELS[n % 5]) for n in range(ROWS)]
    rows += [petition(f"SHARED-{n:03d}", "2025-03-01", CHANNELS[worker % 5]) for n in range(SHARED)]
    return csv_bytes([PETITION_HEADER, *rows])


def import_at_once(url: str, paths: list[Path], command: str = "import") -> list[subprocess.CompletedProcess]:
    """Start one `python -m indicators import FILE` per file, all before any finishes, and wait for them."""
    env = {**os.environ, "INDICATORS_DB_URL": url}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "indicators",
                command,
                *([str(p), "--label", p.stem] if command == "import" else []),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for p in paths
    ]
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def current_twice(engine: sa.Engine) -> int:
    table = VERSIONS[PETITIONS.id]
    with engine.connect() as conn:
        query = (
            sa.select(table.c.record_key)
            .where(table.c.is_current == sa.true())
            .group_by(table.c.record_key)
            .having(sa.func.count() > 1)
        )
        return len(conn.execute(query).all())


def shown(store: Store) -> dict[str, str]:
    frame = store.records(PETITIONS, fields=["petition_no", "channel"])
    return dict(zip(frame["petition_no"], frame["channel"], strict=True))


def fill(store: Store, rows: int) -> None:
    """A store of `rows` petitions of 2015-2019 in one batch, written through the store's own import path."""
    days = pd.to_datetime("2015-01-01") + pd.to_timedelta(pd.RangeIndex(rows) % 1825, unit="D")
    frame = pd.DataFrame(
        {
            "petition_no": [f"OLD-{n:07d}" for n in range(rows)],
            "received_on": days.astype("datetime64[s]"),
            "channel": [CHANNELS[n % 5] for n in range(rows)],
            "category": None,
            "closed_on": pd.Series(pd.NaT, index=range(rows), dtype="datetime64[s]"),
            "on_time": pd.array([None] * rows, dtype="boolean"),
            "unit": default_unit(),
            "_fileno": 0,
        }
    )
    batch = Batch([FileInfo("历史.csv", "0" * 64, 0)], {PETITIONS.id: with_keys(frame, PETITIONS)})
    store.import_batch(batch, "历史数据")


@pytest.mark.parametrize("base", [0, BIG_STORE], ids=["new store", "500k store"])
def test_eight_imports_at_once_all_land_and_equal_replaying_them_in_order(db_url, tmp_path, base):
    paths = []
    for worker in range(WORKERS):
        paths.append(tmp_path / f"w{worker}.csv")
        paths[-1].write_bytes(ledger(worker))
    if base:
        engine = make_engine(db_url)
        fill(Store(engine), base)
        engine.dispose()

    results = import_at_once(db_url, paths)
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "locked" not in result.stderr

    engine = make_engine(db_url)
    store = Store(engine)
    history = store.batches()[1 if base else 0 :]
    assert sorted(b["label"] for b in history) == sorted(p.stem for p in paths), "every batch landed once"
    assert current_twice(engine) == 0
    assert len(shown(store)) == base + WORKERS * ROWS + SHARED, "no record lost"

    with new_database(tmp_path) as replay_url:
        replay = Store(make_engine(replay_url))
        for batch in history:
            run_import(replay, [Upload.from_path(tmp_path / batch["files"][0]["name"])], batch["label"])
        expected = {k: v for k, v in shown(replay).items()}
        assert {k: v for k, v in shown(store).items() if not k.startswith("OLD-")} == expected
        for code in ("2025", "2025Q1", "2025-03"):  # the big store's own records lie in 2015-2019
            assert compute(store, parse_period(code)) == compute(replay, parse_period(code)), code
        replay.engine.dispose()
    engine.dispose()


def test_concurrent_sample_runs_load_the_sample_once(db_url):
    results = import_at_once(db_url, [Path(f"run{i}") for i in range(4)], command="sample")
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    loaded = [r for r in results if r.stdout.startswith("导入成功")]
    assert len(loaded) == 1, [r.stdout for r in results]
    engine = make_engine(db_url)
    assert [b["label"] for b in Store(engine).batches()] == ["示例数据"]
    engine.dispose()


def test_a_writer_that_must_wait_says_so_and_then_imports(store, tmp_path):
    """While another transaction holds the write lock, the importer reports waiting, then lands its batch."""
    import threading

    from indicators.store.engine import write_transaction

    outcome = prepare([Upload("信访.csv", ledger(0))])
    held, release, said = threading.Event(), threading.Event(), []

    def hold() -> None:
        with write_transaction(store.engine):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    threading.Timer(1.0, release.set).start()
    imported = store.import_batch(outcome.batch, on_wait=lambda: said.append("另一批次正在导入，请稍候"))
    holder.join()
    assert said == ["另一批次正在导入，请稍候"] and imported is not None and imported.batch_id == 1
