"""Benchmark of a 100,000-row petition ledger: import speed, `kpis` latency and peak memory.

Run as `.venv/bin/python bench/run.py` (or `make bench`). One run prints a table of figures beside
their baselines and targets:

* whole import through the real CLI (`python -m indicators import FILE`, fresh database) against
  pandas' `read_excel(engine="openpyxl")` of the same file: target ≤ 0.5 × the baseline;
* the read / validate / store stages of that import, timed in process (for locating the cost);
* `kpis --period 2024 --json` with the rows stored against the command's bare start
  (`kpis --help`), medians of several runs: target ≤ 0.3 s added;
* peak memory (max RSS) of the import subprocess: target < 500 MB.

Baseline A and the imports run interleaved, round by round, and the kpis commands likewise, so a
change of machine load hits a figure and its baseline alike; every time is shown as wall seconds
with the CPU seconds of the measured process beside it (targets are judged on wall time).

The ledger is generated once (openpyxl write-only mode, not timed) and cached in bench/out/.
`--postgres` repeats the database measurements on PostgreSQL, each in a fresh schema dropped afterwards.
The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from report_table import RESULTS, print_aligned  # noqa: E402  (beside this script)

PG_DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GENERATOR_VERSION = 1
SEED = 20240101
KPI_PERIOD = "2024"

IMPORT_RATIO_TARGET = 0.5
KPIS_ADDED_TARGET_S = 0.3
PEAK_RSS_TARGET_MB = 500.0

CHANNELS = ("来信来访", "重庆市智能信访工作平台", "自然资源部系统", "民呼我为", "国土空间平台")
CHANNEL_WEIGHTS = (30, 25, 10, 25, 10)
CATEGORIES = ("规划管理", "土地征收", "不动产登记", "执法监察", "耕地保护", "矿产资源", "其他")
UNITS = ("规划科", "执法支队", "不动产登记中心", "耕保科")
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2025, 12, 31)
# A bare streamlit app drawing one small plotly chart: what streamlit and plotly.js cost here.
BASELINE_APP = """import plotly.graph_objects as go
import streamlit as st

st.title("基准")
st.plotly_chart(go.Figure(go.Bar(x=["一", "二", "三"], y=[3, 1, 2])), theme=None)
"""


# --- the ledger --------------------------------------------------------------------------------


def ledger_path(rows: int) -> Path:
    """Where the cached ledger of `rows` petitions lives (the name changes with the generator)."""
    return OUT_DIR / f"petitions_{rows}_v{GENERATOR_VERSION}.xlsx"


def petition_rows(rows: int, seed: int = SEED) -> Iterator[list[object]]:
    """Deterministic petition rows in tests/ledgers.py's PETITION_HEADER order, by date, numbered per year."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    received = sorted(FIRST_DAY + timedelta(days=rng.randrange(span + 1)) for _ in range(rows))
    per_year: dict[int, int] = {}
    for serial, day in enumerate(received, start=1):
        per_year[day.year] = per_year.get(day.year, 0) + 1
        closed = on_time = None
        if rng.random() < 0.85:
            took = rng.randint(1, 60)
            closed = day + timedelta(days=took)
            on_time = "是" if took <= 30 or rng.random() < 0.2 else "否"
        yield [
            serial,
            f"XF{day.year}-{per_year[day.year]:06d}",
            day,
            rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
            rng.choice(CATEGORIES),
            closed,
            on_time,
            rng.choice(UNITS),
        ]


def write_ledger(path: Path, rows: int) -> None:
    """Write the ledger as staff lay it out: a title row, the header, then real date cells."""
    from openpyxl import Workbook

    from tests.ledgers import PETITION_HEADER

    book = Workbook(write_only=True)
    sheet = book.create_sheet("信访台账")
    sheet.append([f"{FIRST_DAY.year}—{LAST_DAY.year}年信访事项台账"])
    sheet.append(PETITION_HEADER)
    for row in petition_rows(rows):
        sheet.append(row)  # date objects become date cells formatted yyyy-mm-dd
    book.save(path)


def ensure_ledger(rows: int, regenerate: bool = False) -> tuple[Path, float | None]:
    """The cached ledger, written first when missing; returns it and the seconds spent writing it."""
    path = ledger_path(rows)
    if path.is_file() and path.stat().st_size and not regenerate:
        return path, None
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=OUT_DIR) as tmp:
        partial = Path(tmp) / path.name
        write_ledger(partial, rows)
        os.replace(partial, path)
    return path, time.perf_counter() - start


# --- databases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backend:
    """A database kind the measurements run against; `fresh()` yields the URL of an empty one."""

    name: str
    fresh: Callable[[], AbstractContextManager[str]]


@contextmanager
def fresh_sqlite() -> Iterator[str]:
    """A URL to a new SQLite file in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bench-sqlite-") as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"


def pg_fresh_factory(admin_url: str) -> Callable[[], AbstractContextManager[str]]:
    """A factory of fresh PostgreSQL schemas (as tests/conftest.py makes them), dropped afterwards."""

    @contextmanager
    def fresh_postgres() -> Iterator[str]:
        import sqlalchemy as sa

        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(admin_url)
        try:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            try:
                yield f"{admin_url}?options=-csearch_path%3D{schema}"
            finally:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        finally:
            admin.dispose()

    return fresh_postgres


# --- measuring ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """Wall seconds and CPU seconds (user + system) of one measured piece of work."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.3f} s (cpu {self.cpu:.2f})"


def median_timing(timings: list[Timing]) -> Timing:
    """The median wall time and the median CPU time of several runs."""
    return Timing(statistics.median(t.wall for t in timings), statistics.median(t.cpu for t in timings))


@dataclass
class Run:
    """One finished subprocess: its timing, its own peak RSS in MB, exit code and output."""

    timing: Timing
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


# Forks and execs the command, waits for it and writes its wall seconds, CPU seconds and peak RSS (KiB).
# Linux carries a process's peak RSS across fork and exec, so a child started straight from this
# (by then large) benchmark would report at least the benchmark's own peak; started from this small
# launcher, the command reports its own.
LAUNCHER = """
import os, sys, time
report = sys.argv[1]
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(report, "w") as out:
    out.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_cli(args: list[str], db_url: str) -> Run:
    """Run `python -m indicators ARGS` against db_url through the launcher, which measures it alone."""
    env = {**os.environ, "INDICATORS_DB_URL": db_url, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("INDICATORS_DEFAULT_UNIT", None)
    command = [sys.executable, "-m", "indicators", *args]
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        report = Path(tmp) / "usage"
        launched = [sys.executable, "-S", "-c", LAUNCHER, str(report), *command]
        done = subprocess.run(launched, cwd=ROOT, env=env, capture_output=True, check=False)
        wall, cpu, max_rss_kib = report.read_text().split()
    return Run(
        Timing(float(wall), float(cpu)),
        float(max_rss_kib) / 1024,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def checked(run: Run, what: str) -> Run:
    """The run, or SystemExit with its output when the command failed."""
    if run.returncode != 0:
        raise SystemExit(f"{what} failed (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
    return run


def cpu_seconds() -> float:
    """CPU seconds of this process and of the children it has waited for (the reader may fork one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(fn: Callable[[], object]) -> tuple[Timing, object]:
    """The timing of fn() in this process (with its children), and its result."""
    wall, cpu = time.perf_counter(), cpu_seconds()
    result = fn()
    return Timing(time.perf_counter() - wall, cpu_seconds() - cpu), result


def baseline_read_excel(path: Path) -> Timing:
    """Baseline A: pandas reading the workbook with openpyxl, in process (imports excluded)."""
    import pandas as pd

    timing, frame = timed(lambda: pd.read_excel(path, engine="openpyxl"))
    assert len(frame) > 0
    return timing


@dataclass
class Stages:
    """In-process timings of each import stage, and how many petitions the validated batch holds."""

    read: Timing
    validate: Timing
    store: Timing
    rows: int
    in_period: int

    @property
    def total(self) -> Timing:
        parts = (self.read, self.validate, self.store)
        return Timing(sum(t.wall for t in parts), sum(t.cpu for t in parts))


def import_stages(path: Path, db_url: str) -> Stages:
    """Time read_uploads, validate and Store.import_batch on one file against a fresh database."""
    import pandas as pd

    from indicators.ingest.reading import Upload, read_uploads
    from indicators.ingest.validation import validate
    from indicators.metrics.periods import parse_period
    from indicators.store import Store, make_engine
    from indicators.store.importer import Outcome
    from indicators.store.plan import FileInfo

    upload = Upload.from_path(path)
    files = [FileInfo(upload.name, upload.sha256, len(upload.data))]
    engine = make_engine(db_url)
    try:
        read_t, read = timed(lambda: read_uploads([upload]))
        validate_t, validated = timed(lambda: validate(read))
        if not validated.ok:
            raise SystemExit(f"validation found {len(validated.problems)} problems, first: {validated.problems[0]}")
        outcome = Outcome(files, read, validated)
        store_t, _ = timed(lambda: Store(engine).import_batch(outcome.batch, label="bench"))
    finally:
        engine.dispose()
    received = validated.frames["petitions"]["received_on"]
    period = parse_period(KPI_PERIOD)
    in_period = int(((received >= pd.Timestamp(period.start)) & (received <= pd.Timestamp(period.end))).sum())
    return Stages(read_t, validate_t, store_t, len(received), in_period)


def cli_import(path: Path, rows: int, db_url: str) -> Run:
    """`python -m indicators import FILE` into db_url, checked to have added every row."""
    run = checked(run_cli(["import", str(path), "--label", "bench"], db_url), "import")
    if f"新增 {rows}" not in run.stdout:
        raise SystemExit(f"import did not add {rows} records:\n{run.stdout}")
    return run


@dataclass
class Samples:
    """Every measurement of one backend (baseline A is shared by all backends)."""

    imports: list[Run] = field(default_factory=list)
    stages: list[Stages] = field(default_factory=list)
    kpis: dict[str, list[Run]] = field(default_factory=dict)


KPIS_ARGS = ["kpis", "--period", KPI_PERIOD, "--json"]


def measure_kpis(backend: Backend, filled_url: str, expected: int, runs: int) -> dict[str, list[Run]]:
    """Bare start, kpis on an empty store and on the filled one, interleaved round by round."""
    with backend.fresh() as empty_url:
        checked(run_cli(["batches"], empty_url), "batches")  # creates the tables outside the timing
        commands = {
            "bare": (["kpis", "--help"], filled_url),
            "empty": (KPIS_ARGS, empty_url),
            "filled": (KPIS_ARGS, filled_url),
        }
        done: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, (args, url) in commands.items():
                done[name].append(checked(run_cli(args, url), " ".join(args)))
    total = json.loads(done["filled"][-1].stdout)["petitions"]["total"]
    if total != expected:
        raise SystemExit(f"kpis counted {total} petitions in {KPI_PERIOD}, the ledger holds {expected}")
    return done


def measure(path: Path, args: argparse.Namespace, backends: list[Backend]) -> tuple[list[Timing], dict[str, Samples]]:
    """Baseline A and every backend's imports, interleaved round by round so that a change of machine
    load hits all of them alike; then the kpis runs against the last round's filled databases."""
    baseline: list[Timing] = []
    samples = {b.name: Samples() for b in backends}
    with ExitStack() as keep:
        filled: dict[str, str] = {}
        for round_no in range(1, args.import_runs + 1):
            progress(f"round {round_no}/{args.import_runs}: baseline A")
            baseline.append(baseline_read_excel(path))
            for backend in backends:
                mine = samples[backend.name]
                progress(f"round {round_no}/{args.import_runs}: {backend.name} import (in process, then CLI)")
                with backend.fresh() as url:
                    mine.stages.append(import_stages(path, url))
                with ExitStack() as scope:
                    url = scope.enter_context(backend.fresh())
                    mine.imports.append(cli_import(path, args.rows, url))
                    if round_no == args.import_runs:  # keep the last filled database for the kpis runs
                        filled[backend.name] = url
                        keep.push(scope.pop_all())
        for backend in backends:
            progress(f"{backend.name}: kpis runs")
            mine = samples[backend.name]
            mine.kpis = measure_kpis(backend, filled[backend.name], mine.stages[-1].in_period, args.kpis_runs)
    return baseline, samples


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


# --- the table ---------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table; `passed` is None for figures without a target."""

    measure: str
    value: str
    baseline: str = ""
    compared: str = ""
    target: str = ""
    passed: bool | None = None


def print_table(rows: list[Row]) -> None:
    """The rows as an aligned plain-text table."""
    head = ("Measure", "Value", "Baseline", "Ratio / Δ", "Target", "Result")
    print_aligned(head, [(r.measure, r.value, r.baseline, r.compared, r.target, RESULTS[r.passed]) for r in rows])


def paired(runs: list[Timing], bases: list[Timing], combine: Callable[[float, float], float]) -> tuple[float, float]:
    """Median over rounds of combine(run, base) for wall and for CPU time: each run against the
    baseline measured in the same round, so that load changes between rounds cancel out."""
    pairs = list(zip(runs, bases, strict=True))
    return (
        statistics.median(combine(r.wall, b.wall) for r, b in pairs),
        statistics.median(combine(r.cpu, b.cpu) for r, b in pairs),
    )


def backend_rows(name: str, samples: Samples, baseline_runs: list[Timing]) -> list[Row]:
    """The table rows of one backend: import against baseline A, stages, peak RSS, kpis against B."""
    tag = f"[{name}]"
    baseline = median_timing(baseline_runs)
    imports = [r.timing for r in samples.imports]
    ratio, cpu_ratio = paired(imports, baseline_runs, lambda run, base: run / base)
    rows = [
        Row(
            f"{tag} whole import, CLI subprocess",
            str(median_timing(imports)),
            f"A {baseline.wall:.3f} s",
            f"{ratio:.2f} × A (cpu {cpu_ratio:.2f})",
            f"≤ {IMPORT_RATIO_TARGET} × A",
            ratio <= IMPORT_RATIO_TARGET,
        )
    ]
    for stage in ("read", "validate", "store", "total"):
        timings = [getattr(s, stage) for s in samples.stages]
        share, _ = paired(timings, baseline_runs, lambda run, base: run / base)
        label = "read+validate+store" if stage == "total" else stage
        rows.append(Row(f"{tag}   in process: {label}", str(median_timing(timings)), "", f"{share:.2f} × A"))
    peak = max(r.max_rss_mb for r in samples.imports)
    rows.append(
        Row(
            f"{tag} peak RSS of the import subprocess (max)",
            f"{peak:.0f} MB",
            target=f"< {PEAK_RSS_TARGET_MB:.0f} MB",
            passed=peak < PEAK_RSS_TARGET_MB,
        )
    )
    bare_runs, empty_runs, filled_runs = ([r.timing for r in samples.kpis[k]] for k in ("bare", "empty", "filled"))
    bare = median_timing(bare_runs)
    empty_added = paired(empty_runs, bare_runs, lambda run, base: run - base)
    added, cpu_added = paired(filled_runs, bare_runs, lambda run, base: run - base)
    stored = samples.stages[-1].rows
    rows += [
        Row(f"{tag} baseline B: kpis --help (bare start)", str(bare)),
        Row(
            f"{tag} kpis --period {KPI_PERIOD} --json, empty store",
            str(median_timing(empty_runs)),
            f"B {bare.wall:.3f} s",
            f"{empty_added[0]:+.3f} s (cpu {empty_added[1]:+.2f})",
        ),
        Row(
            f"{tag} kpis --period {KPI_PERIOD} --json, {stored:,} stored",
            str(median_timing(filled_runs)),
            f"B {bare.wall:.3f} s",
            f"{added:+.3f} s (cpu {cpu_added:+.2f})",
            f"≤ +{KPIS_ADDED_TARGET_S} s",
            added <= KPIS_ADDED_TARGET_S,
        ),
    ]
    return rows


# --- the command -------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="petitions in the generated ledger")
    parser.add_argument("--import-runs", type=int, default=3, help="rounds of baseline A and imports (medians)")
    parser.add_argument("--kpis-runs", type=int, default=5, help="rounds of kpis runs (medians)")
    parser.add_argument("--regenerate", action="store_true", help="write the cached ledger again")
    parser.add_argument("--postgres", action="store_true", help="also measure on PostgreSQL (fresh schemas)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", PG_DEFAULT_URL), help="PostgreSQL admin URL for --postgres"
    )
    args = parser.parse_args(argv)
    if args.rows < 1 or args.import_runs < 1 or args.kpis_runs < 1:
        parser.error("--rows, --import-runs and --kpis-runs must be at least 1")
    return args


def load_note() -> str:
    """The 1-minute load average against the CPU count: wall times mean little on a busy machine."""
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    return f"{load:.2f} on {cpus} CPUs" + ("  ← busy machine: wall times are inflated" if load > cpus else "")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    path, wrote = ensure_ledger(args.rows, args.regenerate)
    made = f"generated in {wrote:.1f} s" if wrote is not None else "cached"
    print(f"Ledger: {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB, {args.rows:,} rows, {made})")
    print(f"Python {sys.version.split()[0]}; load average at start {load_note()}", flush=True)

    backends = [Backend("sqlite", fresh_sqlite)]
    if args.postgres:
        backends.append(Backend("postgres", pg_fresh_factory(args.pg_url)))
    baseline_runs, samples = measure(path, args, backends)

    print(f"Load average at end {load_note()}")
    print(
        f"Medians of {args.import_runs} rounds (baseline A, imports) and {args.kpis_runs} rounds (kpis); ratios and Δ are "
        "medians of per-round pairs. Times: wall seconds, with CPU seconds (user+system) of the measured process.\n"
    )
    rows = [Row('baseline A: pd.read_excel(engine="openpyxl"), in process', str(median_timing(baseline_runs)))]
    for backend in backends:
        rows += backend_rows(backend.name, samples[backend.name], baseline_runs)
    print_table(rows)
    return 0 if all(r.passed is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
