"""One upload from files to store: read, validate, check rights, plan, and import only when nothing is wrong.

The one import step of the data page and the command line alike; the acting user's rights and the
audit trail are applied here (and, for what is written, again in the store's transaction).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from ..access import Actor
from ..ingest.reading import Upload, read_uploads
from ..ingest.report import Problem
from ..ingest.sheets import ReadResult
from ..ingest.validation import FILE, FILENO, ROW, SHEET, Validated, validate
from ..schema import BY_ID, UNIT_FIELD
from . import audit
from .audit import Action
from .plan import KEY, Batch, FileInfo, Plan, with_keys
from .store import Store


@dataclass
class Outcome:
    """What an upload read, found wrong, would change, and (once imported) its batch id."""

    files: list[FileInfo]
    read: ReadResult
    validated: Validated
    plan: Plan | None = None
    batch_id: int | None = None

    @property
    def problems(self) -> list[Problem]:
        return self.validated.problems

    @property
    def warnings(self) -> list[Problem]:
        return self.validated.warnings

    @property
    def ok(self) -> bool:
        return not self.problems

    @cached_property
    def batch(self) -> Batch:
        """The validated records as the store takes them, each with its key."""
        frames = {k: with_keys(f, BY_ID[k]) for k, f in self.validated.frames.items()}
        return Batch(self.files, frames)


def prepare(uploads: list[Upload], today: date | None = None) -> Outcome:
    """Read and validate an upload (nothing touches the store)."""
    files = [FileInfo(u.name, u.sha256, len(u.data)) for u in uploads]
    read = read_uploads(uploads)
    return Outcome(files, read, validate(read, today))


def unit_problems(validated: Validated, actor: Actor) -> list[Problem]:
    """A problem for every row of a unit the actor may not import, located as in Excel."""
    out = []
    for dataset_id, frame in validated.frames.items():
        dataset = BY_ID[dataset_id]
        refused = frame.loc[~frame[UNIT_FIELD].map(actor.may_write), [FILE, SHEET, ROW, FILENO, UNIT_FIELD]]
        for file, sheet, row, fileno, unit in refused.itertuples(index=False, name=None):
            message = (
                f"该行属于单位“{unit}”，{actor.describe()}只能导入授权单位的记录。"
                "请删去此行，或请该单位的填报人员或管理员导入。"
            )
            column = dataset.column(UNIT_FIELD).name
            out.append(Problem(file, message, sheet, int(row), column, str(unit), int(fileno)))
    return out


def foreign_problems(batch: Batch, foreign: dict[str, list[str]]) -> list[Problem]:
    """A problem for every row whose key another unit's current record holds (its unit is not named)."""
    out = []
    for dataset_id, keys in foreign.items():
        dataset = BY_ID[dataset_id]
        frame = batch.frames[dataset_id]
        rows = frame.loc[frame[KEY].isin(set(keys)), [FILE, SHEET, ROW, FILENO, KEY]]
        for file, sheet, row, fileno, key in rows.itertuples(index=False, name=None):
            message = (
                f"{dataset.key_names}为该值的记录已由其他单位登记，您无权修改或改登到本单位。"
                "请核对编号；确属本单位的，请联系管理员处理。"
            )
            out.append(Problem(file, message, sheet, int(row), dataset.key_names, str(key), int(fileno)))
    return out


def check(store: Store, uploads: list[Upload], today: date | None = None) -> Outcome:
    """Read and validate a batch as the store's actor and say what it would change, storing nothing
    but the audit row of the check (the files' names and sha256, whether accepted)."""
    store.actor.require_upload()
    outcome = prepare(uploads, today)
    if outcome.ok:
        outcome.validated.problems.extend(unit_problems(outcome.validated, store.actor))
    if outcome.ok:
        outcome.plan = store.plan(outcome.batch)
        if outcome.plan.foreign:  # say which rows, and show nothing of the records they would replace
            outcome.validated.problems.extend(foreign_problems(outcome.batch, outcome.plan.foreign))
            outcome.plan = None
    audit.write(
        store.engine,
        store.actor,
        Action.UPLOAD_CHECKED,
        audit.OK if outcome.ok else audit.REFUSED,
        files=[{"name": f.name, "sha256": f.sha256, "size": f.size} for f in outcome.files],
        problems=len(outcome.problems),
    )
    return outcome


def commit(
    store: Store,
    outcome: Outcome,
    label: str = "",
    user: str = "",
    *,
    only_if_empty: bool = False,
    on_wait: Callable[[], None] | None = None,
) -> Outcome:
    """Store a checked, problem-free upload as one batch (the page's confirm button, the CLI's import)."""
    assert outcome.ok, "an upload with problems is never stored"
    imported = store.import_batch(
        outcome.batch, label, user, only_if_empty=only_if_empty, on_wait=on_wait, plan=outcome.plan
    )
    if imported is not None:
        outcome.batch_id, outcome.plan = imported.batch_id, imported.plan
    return outcome


def run_import(
    store: Store,
    uploads: list[Upload],
    label: str = "",
    user: str = "",
    *,
    only_if_empty: bool = False,
    on_wait: Callable[[], None] | None = None,
    today: date | None = None,
) -> Outcome:
    """Import a batch all or nothing: any problem anywhere and the store is left untouched."""
    outcome = check(store, uploads, today)
    if outcome.ok:
        commit(store, outcome, label, user, only_if_empty=only_if_empty, on_wait=on_wait)
    return outcome


def rollback(store: Store, batch_id: int, on_wait: Callable[[], None] | None = None) -> dict:
    """Roll a batch back as the store's actor (rights checked, audited in its transaction); returns
    what it did to each record (Store.rollback_preview, read just before)."""
    preview = store.rollback_preview(batch_id)
    store.rollback(batch_id, on_wait=on_wait)
    return preview
