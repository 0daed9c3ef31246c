"""Default targets and thresholds from one config file (config/targets.toml, or INDICATORS_TARGETS).

Admins may set others in the store (Store.targets): the file gives what holds until they do.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT_TARGETS = Path(__file__).resolve().parent.parent / "config" / "targets.toml"


@dataclass(frozen=True)
class Targets:
    head_appearance_rate: float = 1.0
    loss_rate: float = 0.15
    min_denominator: int = 5


# What an admin may set each target to, and how the admin page names it.
TARGET_LIMITS = {"head_appearance_rate": (0.0, 1.0), "loss_rate": (0.0, 1.0), "min_denominator": (1, 1000)}
TARGET_LABELS = {
    "head_appearance_rate": "负责人出庭应诉率目标（低于即标示）",
    "loss_rate": "败诉（被纠错）率警戒值（高于即标示）",
    "min_denominator": "基数较小的分母界限（低于即提示）",
}


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> Targets:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    return Targets(
        head_appearance_rate=float(data["head_appearance_rate"]["target"]),
        loss_rate=float(data["loss_rate"]["threshold"]),
        min_denominator=int(data["small_base"]["min_denominator"]),
    )


def targets_path() -> str:
    return os.environ.get("INDICATORS_TARGETS") or str(DEFAULT_TARGETS)


def targets_stamp() -> str:
    """Changes when the targets file is edited: part of the key of anything that shows a flag."""
    path = targets_path()
    return f"{path}@{os.stat(path).st_mtime_ns}"


def targets() -> Targets:
    """The targets in force: the file named by INDICATORS_TARGETS, else config/targets.toml, as it is now."""
    path = targets_path()
    return _load(path, os.stat(path).st_mtime)
