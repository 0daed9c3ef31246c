"""KPI cards: each indicator with its value, basis, change against two earlier periods and a flag.

Pure functions of `kpis.compare()` output, so the overview page only lays cards out.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config import Targets, targets
from ..schema import BY_ID, HOURS, PARTICIPANTS
from .definitions import SECTION_TITLES, Direction, indicator
from .kpis import has_records
from .periods import Period
from .tables import all_blank

__all__ = ["CARD_SPECS", "SECTION_TITLES", "Card", "CardSpec", "build_cards"]


@dataclass(frozen=True)
class CardSpec:
    """A card: the indicator it shows (definitions.py names it), for a rate its numerator and denominator,
    for a sum the field whose blank cells it counts as 0 (`blanks`)."""

    section: str
    key: str
    numerator: str | None = None
    denominator: str | None = None
    blanks: str | None = None

    @property
    def label(self) -> str:
        return indicator(self.section, self.key).name

    @property
    def unit(self) -> str:
        return "" if self.numerator else indicator(self.section, self.key).unit

    @property
    def direction(self) -> str:
        return indicator(self.section, self.key).direction


CARD_SPECS: tuple[CardSpec, ...] = (
    CardSpec("petitions", "total"),
    CardSpec("petitions", "closure_rate", "closed", "total"),
    CardSpec("petitions", "on_time_rate", "on_time", "closed"),
    CardSpec("litigation", "cases"),
    CardSpec("litigation", "loss_rate", "lost", "concluded"),
    CardSpec("litigation", "head_appearance_rate", "head_appearances", "hearings"),
    CardSpec("training", "sessions"),
    CardSpec("training", "participants", blanks=PARTICIPANTS.field),
    CardSpec("training", "hours", blanks=HOURS.field),
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
    delta_color: str = "off"  # st.metric's: "normal" (up is good), "inverse" (up is bad), "off" (grey)
    delta_arrow: str = "auto"  # "off" for no change: ±0 has no arrow
    covered: bool = True  # False: no ledger of its dataset covers the period; the card shows — and says so
    blank_note: str = ""  # a sum with blank cells in it: how many, and that they count as 0 (or — if all are)


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


def _change(now: float | int | None, before: float | int | None, spec: CardSpec) -> float | None:
    """The change as shown: percentage points for a rate (rounded as shown), else the difference."""
    if now is None or before is None:
        return None
    if spec.numerator:
        return round((now - before) * 100, 1)
    return now - before


def _delta(now: float | int | None, before: float | int | None, spec: CardSpec) -> str | None:
    change = _change(now, before, spec)
    if change is None:
        return None
    if spec.numerator:
        return "±0.0个百分点" if change == 0 else f"{change:+.1f}个百分点"
    if change == 0:
        return f"±0{spec.unit}"
    text = f"{change:+,.1f}".rstrip("0").rstrip(".") if isinstance(change, float) else f"{change:+,}"
    return f"{text}{spec.unit}"


DELTA_COLORS = {Direction.UP_GOOD: "normal", Direction.UP_BAD: "inverse", Direction.NEUTRAL: "off"}


def delta_style(spec: CardSpec, now: float | int | None, before: float | int | None) -> tuple[str, str]:
    """(colour, arrow) of a card's delta: by the indicator's direction; no change is grey, without arrow."""
    if _change(now, before, spec) == 0:
        return "off", "off"
    return DELTA_COLORS[spec.direction], "auto"


def _flag(spec: CardSpec, value: float | None, goals: Targets) -> str:
    """Why a card misses its target, or "" when it does not (Store.targets: set by admins, else the file)."""
    if value is None:
        return ""
    if spec.key == "head_appearance_rate" and value < goals.head_appearance_rate:
        return f"低于目标值 {fmt_rate(goals.head_appearance_rate)}"
    if spec.key == "loss_rate" and value > goals.loss_rate:
        return f"高于警戒值 {fmt_rate(goals.loss_rate)}"
    return ""


NO_LEDGER = "本期无台账数据"


def blank_note(section: str, field: str, blank: int, of: int) -> str:
    """What a sum says about the records that left its field blank: all of them (the card shows —),
    some (counted as 0), or none ("")."""
    dataset = BY_ID[section]  # a section is named after the dataset its records come from
    name = dataset.column(field).name
    if blank and blank == of:
        return f"本期{of}{dataset.row_label}均未填写{name}"
    return f"其中{blank}{dataset.row_label}未填写{name}，按 0 计" if blank else ""


def build_cards(
    compared: dict[str, dict],
    goals: Targets | None = None,
    covered: dict[str, bool] | None = None,
    unfilled: dict[str, dict[str, tuple[int, int]]] | None = None,
) -> list[Card]:
    """The overview's cards from the current, previous and year-ago indicator objects; a section no
    ledger covers in the period (`covered`, by dataset id) shows — instead of zeros, and a sum whose
    records all left its field blank (`unfilled`, tables.unfilled by dataset id) shows — with why."""
    goals = goals or targets()
    covered = covered or {}
    unfilled = unfilled or {}
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
        if not covered.get(spec.section, True):
            cards.append(Card(spec.section, spec.key, spec.label, None, "—", "", None, None, False, "", covered=False))
            continue
        blanks = unfilled.get(spec.section, {})
        note = blank_note(spec.section, spec.blanks, *blanks.get(spec.blanks, (0, 0))) if spec.blanks else ""
        if spec.blanks and all_blank(blanks, spec.blanks):
            cards.append(
                Card(spec.section, spec.key, spec.label, None, "—", "", None, None, False, "", blank_note=note)
            )
            continue
        before = prev[spec.section][spec.key] if prev else None
        color, arrow = delta_style(spec, value, before)
        cards.append(
            Card(
                section=spec.section,
                key=spec.key,
                label=spec.label,
                value=value,
                text=text,
                basis=basis,
                delta_previous=_delta(value, before, spec),
                delta_year_ago=_delta(value, ago[spec.section][spec.key], spec) if ago else None,
                flagged=bool(flag := _flag(spec, value, goals)),
                warning=warning,
                flag_text=flag,
                delta_color=color,
                delta_arrow=arrow,
                blank_note=note,
            )
        )
    return cards


def comparison_labels(period: Period) -> tuple[str, str | None]:
    """How the two deltas are named on a card, e.g. 较上期（2024年第4季度）; for a year, whose previous
    period is the year before, one comparison: 较上年（2023年）, and None for the second."""
    if period.previous() == period.year_ago():
        return f"较上年（{period.previous().label}）", None
    return f"较上期（{period.previous().label}）", f"较去年同期（{period.year_ago().label}）"
