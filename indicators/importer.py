"""One upload from files to store: read, validate, plan, and import only when nothing is wrong."""

from __future__ import annotations

from dataclasses import dataclass

from .reading import ReadResult, Upload, read_uploads
from .report import Problem
from .store import FileInfo, Plan, Store, file_info
from .validation import Validated, validate


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
    def ok(self) -> bool:
        return not self.problems


def _prepare(uploads: list[Upload]) -> Outcome:
    files = [file_info(u.name, u.data) for u in uploads]
    read = read_uploads(uploads)
    return Outcome(files, read, validate(read))


def check(store: Store, uploads: list[Upload]) -> Outcome:
    """Read and validate a batch and say what it would change, without storing anything."""
    outcome = _prepare(uploads)
    if outcome.ok:
        outcome.plan = store.plan(outcome.validated.frames, outcome.files)
    return outcome


def run_import(store: Store, uploads: list[Upload], label: str = "", user: str = "") -> Outcome:
    """Import a batch all or nothing: any problem anywhere and the store is left untouched."""
    outcome = _prepare(uploads)
    if outcome.ok:
        frames = outcome.validated.frames
        outcome.batch_id, outcome.plan = store.import_batch(frames, outcome.files, label=label, user=user)
    return outcome
