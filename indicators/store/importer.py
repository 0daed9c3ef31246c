"""One upload from files to store: read, validate, plan, and import only when nothing is wrong."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from ..ingest.reading import Upload, read_uploads
from ..ingest.report import Problem
from ..ingest.sheets import ReadResult
from ..ingest.validation import Validated, validate
from ..schema import BY_ID
from .plan import Batch, FileInfo, Plan, with_keys
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


def check(store: Store, uploads: list[Upload], today: date | None = None) -> Outcome:
    """Read and validate a batch and say what it would change, without storing anything."""
    outcome = prepare(uploads, today)
    if outcome.ok:
        outcome.plan = store.plan(outcome.batch)
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
    outcome = prepare(uploads, today)
    if outcome.ok:
        commit(store, outcome, label, user, only_if_empty=only_if_empty, on_wait=on_wait)
    return outcome
