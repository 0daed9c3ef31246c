"""The store's rules as a state machine: random imports, repeats, same-named files and rollbacks,
compared after every step with a plain model of the spec's rule.

The model: every batch carries a version of each record it holds. A file whose content a live batch
imported before is a repeat: it carries that batch's versions as they are. A record's current version
is the one with the newest origin (the batch whose upload brought that content) among live batches;
rolling a batch back only marks it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pytest
from conftest import new_database
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule

from indicators.ingest.reading import Upload
from indicators.schema import PETITIONS
from indicators.store import AlreadyRolledBack, Store, make_engine
from indicators.store.importer import run_import
from indicators.store.tables import VERSIONS
from ledgers import PETITION_HEADER, csv_bytes, petition

pytestmark = pytest.mark.store  # makes its own databases: repeated on PostgreSQL

KEYS = [f"XF-{i}" for i in range(1, 7)]
CHANNELS = ["来信来访", "民呼我为", "国土空间平台"]
NAMES = ["信访台账.csv", "二季度.csv"]


@dataclass
class ModelBatch:
    id: int
    shas: list[str]
    versions: dict[str, tuple[int, str]]  # key -> (origin, channel)
    live: bool = True


@dataclass
class Model:
    batches: list[ModelBatch] = field(default_factory=list)

    def best(self, key: str, exclude: int | None = None) -> tuple[int, int, str] | None:
        """(origin, batch, channel) of the key's current version among live batches (but `exclude`)."""
        found = [
            (b.versions[key][0], b.id, b.versions[key][1])
            for b in self.batches
            if b.live and b.id != exclude and key in b.versions
        ]
        return min(found, key=lambda f: (-f[0], f[1])) if found else None

    def current(self) -> dict[str, str]:
        return {k: best[2] for k in KEYS if (best := self.best(k))}

    def upload(self, files: list[tuple[str, dict[str, str]]]) -> tuple[dict, dict] | None:
        """Import files (sha, records); None when the upload is refused. Returns (counts, repeat_of)."""
        shas = [sha for sha, _ in files]
        keys = [k for _, records in files for k in records]
        if len(set(shas)) < len(shas) or len(set(keys)) < len(keys):
            return None
        bid = len(self.batches) + 1
        current = self.current()
        versions, repeat_of = {}, {}
        counts = {"added": 0, "updated": 0, "unchanged": 0}
        for i, (sha, records) in enumerate(files):
            source = next((b for b in self.batches if b.live and sha in b.shas), None)
            if source:
                repeat_of[i] = source.id
                versions.update({k: source.versions[k] for k in records})
                counts["unchanged"] += len(records)
                continue
            for key, channel in records.items():
                versions[key] = (bid, channel)
                what = "added" if key not in current else "unchanged" if current[key] == channel else "updated"
                counts[what] += 1
        self.batches.append(ModelBatch(bid, shas, versions))
        return counts, repeat_of

    def rollback_fates(self, bid: int) -> dict[str, tuple[str, int | None]]:
        batch = self.batches[bid - 1]
        fates = {}
        for key, (origin, _) in batch.versions.items():
            best = self.best(key, exclude=bid)
            if best is None:
                fates[key] = ("removed", None)
            elif best[0] == origin:
                fates[key] = ("kept_same", best[1])
            elif best[0] > origin:
                fates[key] = ("kept_newer", best[1])
            else:
                fates[key] = ("restored", best[1])
        return fates


def ledger(records: dict[str, str]) -> bytes:
    return csv_bytes([PETITION_HEADER, *(petition(k, "2025-01-05", c) for k, c in sorted(records.items()))])


class StoreAgainstModel(RuleBasedStateMachine):
    files = Bundle("files")

    def __init__(self) -> None:
        super().__init__()
        self._database = new_database()
        self.engine = make_engine(self._database.__enter__())
        self.store = Store(self.engine)
        self.model = Model()

    def teardown(self) -> None:
        self.engine.dispose()
        self._database.__exit__(None, None, None)

    @rule(
        target=files, records=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(CHANNELS), min_size=1, max_size=4)
    )
    def write_a_ledger(self, records: dict[str, str]) -> tuple[bytes, dict[str, str]]:
        return ledger(records), records

    @rule(
        chosen=st.lists(files, min_size=1, max_size=2), names=st.lists(st.sampled_from(NAMES), min_size=2, max_size=2)
    )
    def upload(self, chosen: list[tuple[bytes, dict]], names: list[str]) -> None:
        uploads = [Upload(names[i], data) for i, (data, _) in enumerate(chosen)]
        expected = self.model.upload([(hashlib.sha256(d).hexdigest(), r) for d, r in chosen])
        outcome = run_import(self.store, uploads)
        if expected is None:
            assert not outcome.ok and outcome.batch_id is None
            return
        assert outcome.ok, [p.text() for p in outcome.problems]
        counts, repeat_of = expected
        assert outcome.plan.datasets[PETITIONS.id].counts == counts
        assert outcome.plan.repeat_of == repeat_of
        assert self.store.batches()[-1]["repeat"] == (len(repeat_of) == len(uploads))

    @rule(data=st.data())
    def roll_back(self, data: st.DataObject) -> None:
        if not self.model.batches:
            return
        bid = data.draw(st.integers(1, len(self.model.batches)), label="batch")
        if not self.model.batches[bid - 1].live:
            with pytest.raises(AlreadyRolledBack):
                self.store.rollback(bid)
            return
        preview = self.store.rollback_preview(bid)[PETITIONS.id]
        shown = {k: (o, None if b is None else int(b)) for k, o, b in preview.itertuples(index=False)}
        assert shown == self.model.rollback_fates(bid)
        self.store.rollback(bid)
        self.model.batches[bid - 1].live = False

    @invariant()
    def current_records_follow_the_rule(self) -> None:
        stored = self.store.records(PETITIONS)
        assert dict(zip(stored["petition_no"], stored["channel"], strict=True)) == self.model.current()
        assert stored["petition_no"].is_unique, "no record is current twice"

    @invariant()
    def every_live_batch_carries_a_version_of_each_of_its_records(self) -> None:
        import sqlalchemy as sa

        table = VERSIONS[PETITIONS.id]
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.batch_id, table.c.record_key)).all()
        held: dict[int, set[str]] = {}
        for bid, key in rows:
            held.setdefault(bid, set()).add(key)
        assert {b.id: set(b.versions) for b in self.model.batches} == {
            b.id: held.get(b.id, set()) for b in self.model.batches
        }


StoreAgainstModel.TestCase.settings = settings(
    max_examples=100, stateful_step_count=20, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_the_store_obeys_the_rule_whatever_the_order = StoreAgainstModel.TestCase
