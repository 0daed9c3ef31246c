"""KPI cards: each indicator with its value, basis, change against two earlier periods and a flag.

Pure functions of `kpis.compare()` output, so the overview page only lays cards out.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Targets, targets
from .definitions import SECTION_TITLES, indicator
from .periods import Period

__all__ = ["CARD_SPECS", "SECTION_TITLES", "Card", "CardSpec", "build_cards"]


@dataclass(frozen=True)
class CardSpec:
    """A card: the indicator it shows (definitions.py names it) and, for a rate, its numerator and denominator."""

    section: str
    key: str
    numerator: str | None = None
    denominator: str | None = None

    @property
    def label(self) -> str:
        return indicator(self.section, self.key).name

    @property
    def unit(self) -> str:
        return "" if self.numerator else indicator(self.section, self.key).unit


CARD_SPECS: tuple[CardSpec, ...] = (
    CardSpec("petitions", "total"),
    CardSpec("petitions", "closure_rate", "closed", "total"),
    CardSpec("petitions", "on_time_rate", "on_time", "closed"),
    CardSpec("litigation", "cases"),
    CardSpec("litigation", "loss_rate", "lost", "concluded"),
    CardSpec("litigation", "head_appearance_rate", "head_appearances", "hearings"),
    CardSpec("training", "sessions"),
    CardSpec("training", "participants"),
    CardSpec("training", "hours"),
)


@dataclass(frozen=True)
class Card:
    """One card as shown: value text, basis, two deltas, and whether it misses its target."""

    section: str
    key: str
    label: str
    value: float | int | None
    text: str
    basis: str
    delta_previous: str | None
    delta_year_ago: str | None
    flagged: bool
    warning: str
    flag_text: str = ""


def fmt_number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:,}"
    return f"{text}{unit}"


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}".replace(".0%", "%")


def rate_text(rate: float | None, numerator: int, denominator: int) -> str:
    """A rate with its basis, as every card shows it: 100%（4/4）."""
    return f"{fmt_rate(rate)}（{numerator}/{denominator}）"


def _delta(now: float | int | None, before: float | int | None, spec: CardSpec) -> str | None:
    if now is None or before is None:
        return None
    if spec.numerator:
        points = (now - before) * 100
        return f"{points:+.1f}个百分点"
    diff = now - before
    return f"{diff:+,.1f}{spec.unit}".replace(".0", "") if isinstance(diff, float) else f"{diff:+,}{spec.unit}"


def _flag(spec: CardSpec, value: float | None, goals: Targets) -> str:
    """Why a card misses its target, or "" when it does not (Store.targets: set by admins, else the file)."""
    if value is None:
        return ""
    if spec.key == "head_appearance_rate" and value < goals.head_appearance_rate:
        return f"低于目标值 {fmt_rate(goals.head_appearance_rate)}"
    if spec.key == "loss_rate" and value > goals.loss_rate:
        return f"高于警戒值 {fmt_rate(goals.loss_rate)}"
    return ""


def has_records(values: dict) -> bool:
    """Whether a period's indicators rest on any record at all (a period before the ledgers has none)."""
    p, lit, tr = values["petitions"], values["litigation"], values["training"]
    return any((p["total"], p["closed"], lit["cases"], lit["concluded"], lit["hearings"], tr["sessions"]))


def build_cards(compared: dict[str, dict], goals: Targets | None = None) -> list[Card]:
    """The overview's cards from the current, previous and year-ago indicator objects."""
    goals = goals or targets()
    now = compared["current"]
    # A comparison with a period that has no record at all is no comparison: the card says so.
    prev = compared["previous"] if has_records(compared["previous"]) else None
    ago = compared["year_ago"] if has_records(compared["year_ago"]) else None
    cards = []
    for spec in CARD_SPECS:
        value = now[spec.section][spec.key]
        basis, warning = "", ""
        if spec.numerator:
            num, den = now[spec.section][spec.numerator], now[spec.section][spec.denominator]
            text = rate_text(value, num, den)
            basis = f"{num}/{den}"
            if den == 0:
                warning = "本期无可计算的基数"
            elif den < goals.min_denominator:
                warning = f"基数较小（仅 {den} 件），比率波动大，请谨慎解读"
        else:
            text = fmt_number(value, spec.unit)
        cards.append(
            Card(
                section=spec.section,
                key=spec.key,
                label=spec.label,
                value=value,
                text=text,
                basis=basis,
                delta_previous=_delta(value, prev[spec.section][spec.key], spec) if prev else None,
                delta_year_ago=_delta(value, ago[spec.section][spec.key], spec) if ago else None,
                flagged=bool(flag := _flag(spec, value, goals)),
                warning=warning,
                flag_text=flag,
            )
        )
    return cards


def comparison_labels(period: Period) -> tuple[str, str]:
    """How the two deltas are named on a card, e.g. 较上期（2024年第4季度）."""
    return f"较上期（{period.previous().label}）", f"较去年同期（{period.year_ago().label}）"
