"""What a batch would do to the store: a pure function of the batch and the current versions of its keys.

No database here: the store reads the current versions of exactly the keys a batch carries (and the
versions a repeated file carries) and hands them in; this module compares. It returns facts (counts,
the fields that change with their old and new values); pages and the command line word them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..ingest.validation import FILENO, key_series, typed
from ..schema import DATASETS, Dataset

KEY = "record_key"
VERSION_ID = "version_id"


@dataclass(frozen=True)
class FileInfo:
    """One file of a batch: its name as uploaded, its content's sha256 and its size."""

    name: str
    sha256: str
    size: int


@dataclass
class Batch:
    """Validated records per dataset id (each row with the position of its file) and the files."""

    files: list[FileInfo]
    frames: dict[str, pd.DataFrame]


@dataclass
class DatasetPlan:
    """What a batch does to one dataset.

    `added`, `updated` and `unchanged` are incoming rows (with their key) compared with the current
    versions; `carried` are rows of repeated files, with the id of the stored version they carry;
    `changes` has one row per changed field of an updated record: key, field, old, new; `replaced`
    the ids of the current versions that the batch's new versions of updated and unchanged keys replace.
    """

    dataset: Dataset
    added: pd.DataFrame
    updated: pd.DataFrame
    unchanged: pd.DataFrame
    carried: pd.DataFrame
    changes: pd.DataFrame
    replaced: list[int] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged) + len(self.carried),
        }

    @property
    def keys(self) -> list[str]:
        """Every key the batch writes a new version of (added, updated or re-sent unchanged)."""
        return [*self.added[KEY], *self.updated[KEY], *self.unchanged[KEY]]


@dataclass
class Plan:
    """What a batch would do, planned against the store at `version`.

    `repeat_of` maps the position of each repeated file in the upload to the live batch that
    imported the same content before.
    """

    datasets: dict[str, DatasetPlan] = field(default_factory=dict)
    repeat_of: dict[int, int] = field(default_factory=dict)
    version: str = ""
    # Per dataset id, the keys whose current version belongs to a unit the importing actor may not
    # write: such a batch is refused (it would read or take over another unit's record).
    foreign: dict[str, list[str]] = field(default_factory=dict)

    def total(self, what: str) -> int:
        return sum(p.counts[what] for p in self.datasets.values())


def with_keys(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """The validated rows with their record key."""
    return frame.assign(**{KEY: key_series(frame, dataset)})


def same(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise equality where two missing values are equal."""
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    a_obj = a.astype(object).where(~a_na, None).to_numpy()
    b_obj = b.astype(object).where(~b_na, None).to_numpy()
    equal = (a_obj == b_obj).astype(bool)
    return pd.Series((a_na & b_na) | (~a_na & ~b_na & equal), index=a.index)


def typed_records(frame: pd.DataFrame, dataset: Dataset) -> pd.DataFrame:
    """Stored records with the same dtypes as freshly validated ones, so that they compare equal."""
    out = frame.copy()
    for column in dataset.columns:
        if column.field in out:
            out[column.field] = typed(out[column.field], column.kind)
    return out


def plan_dataset(
    dataset: Dataset,
    incoming: pd.DataFrame,
    current: pd.DataFrame,
    carried_versions: pd.DataFrame,
    repeated_files: set[int],
) -> DatasetPlan:
    """Compare a batch's rows of one dataset with the current versions of their keys.

    `current` holds KEY, VERSION_ID and the dataset's fields of the current version of every incoming
    key the store has; `carried_versions` holds KEY, FILENO and VERSION_ID of the versions the batches that
    repeated files repeat hold. A row of a repeated file whose version is found there is carried;
    any other row is compared field by field.
    """
    from_repeat = incoming[FILENO].isin(list(repeated_files))
    carried = incoming.loc[from_repeat].merge(carried_versions, on=[KEY, FILENO], how="left")
    found = carried[VERSION_ID].notna().to_numpy()
    compared = pd.concat([incoming.loc[~from_repeat], carried.loc[~found, incoming.columns]], ignore_index=True)
    carried = carried.loc[found].reset_index(drop=True)
    current = current.set_index(KEY)
    stored = compared[KEY].isin(current.index).to_numpy()
    added = compared.loc[~stored]
    candidates = compared.loc[stored]
    old = current.loc[candidates[KEY]].set_axis(candidates.index)
    fields = dataset.fields
    diff = pd.DataFrame({f: ~same(candidates[f], old[f]) for f in fields}, index=candidates.index)
    changed = diff.any(axis=1).to_numpy() if fields else pd.Series(False, index=candidates.index).to_numpy()
    changes = _changes(dataset, candidates.loc[changed], old.loc[changed], diff.loc[changed])
    replaced = [int(v) for v in old[VERSION_ID]]
    return DatasetPlan(dataset, added, candidates.loc[changed], candidates.loc[~changed], carried, changes, replaced)


def _changes(dataset: Dataset, new: pd.DataFrame, old: pd.DataFrame, diff: pd.DataFrame) -> pd.DataFrame:
    """One row per changed field of an updated record: key, field, old value, new value (in record order)."""
    parts = []
    for name in dataset.fields:
        mask = diff[name].to_numpy()
        if mask.any():
            parts.append(
                pd.DataFrame(
                    {
                        KEY: new.loc[mask, KEY].to_numpy(),
                        "field": name,
                        "old": old.loc[mask, name].astype(object).to_numpy(),
                        "new": new.loc[mask, name].astype(object).to_numpy(),
                        "_order": new.index[mask],
                        "_col": dataset.fields.index(name),
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=[KEY, "field", "old", "new"])
    out = pd.concat(parts, ignore_index=True).sort_values(["_order", "_col"], kind="stable")
    return out.drop(columns=["_order", "_col"]).reset_index(drop=True)


def plan_batch(
    batch: Batch,
    current: dict[str, pd.DataFrame],
    carried: dict[str, pd.DataFrame],
    repeat_of: dict[int, int],
    version: str,
) -> Plan:
    """The whole batch's plan from the current and carried versions the store read for it."""
    plan = Plan(repeat_of=dict(repeat_of), version=version)
    for dataset in DATASETS:
        if dataset.id in batch.frames:
            incoming = batch.frames[dataset.id]
            plan.datasets[dataset.id] = plan_dataset(
                dataset, incoming, current[dataset.id], carried[dataset.id], set(repeat_of)
            )
    return plan
