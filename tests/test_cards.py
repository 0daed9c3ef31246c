"""Overview cards: values with their basis, deltas against two earlier periods, targets and small bases."""

from __future__ import annotations

import copy

import pytest

from indicators.config import Targets, targets
from indicators.metrics.cards import (
    CARD_SPECS,
    build_cards,
    comparison_labels,
    delta_style,
    fmt_number,
    rate_text,
)
from indicators.metrics.kpis import has_records
from indicators.metrics.periods import parse_period

EMPTY = {
    "petitions": {"total": 0, "by_channel": {}, "closed": 0, "closure_rate": None, "on_time": 0, "on_time_rate": None},
    "litigation": {
        "cases": 0,
        "by_type": {},
        "concluded": 0,
        "lost": 0,
        "loss_rate": None,
        "hearings": 0,
        "head_appearances": 0,
        "head_appearance_rate": None,
    },
    "training": {"sessions": 0, "by_type": {}, "participants": 0, "hours": 0.0},
}


def indicators(petitions: int, closed: int, hearings: int, appeared: int, concluded: int, lost: int) -> dict:
    values = copy.deepcopy(EMPTY)
    values["petitions"].update(total=petitions, closed=closed, closure_rate=closed / petitions if petitions else None)
    values["litigation"].update(
        cases=concluded,
        hearings=hearings,
        head_appearances=appeared,
        head_appearance_rate=appeared / hearings if hearings else None,
        concluded=concluded,
        lost=lost,
        loss_rate=lost / concluded if concluded else None,
    )
    return values


def card(cards, key):
    return next(c for c in cards if c.key == key)


def test_rates_show_their_basis_and_deltas_name_their_unit():
    compared = {
        "current": indicators(120, 90, 8, 7, 10, 3),
        "previous": indicators(100, 90, 4, 4, 10, 1),
        "year_ago": indicators(80, 40, 2, 2, 5, 0),
    }
    cards = build_cards(compared, Targets(head_appearance_rate=1.0, loss_rate=0.15, min_denominator=5))
    total = card(cards, "total")
    assert (total.text, total.delta_previous, total.delta_year_ago) == ("120件", "+20件", "+40件")
    closure = card(cards, "closure_rate")
    assert closure.text == "75%（90/120）" and closure.delta_previous == "-15.0个百分点"
    head = card(cards, "head_appearance_rate")
    assert head.text == "87.5%（7/8）" and head.flagged and head.flag_text == "低于目标值 100%"
    loss = card(cards, "loss_rate")
    assert loss.text == "30%（3/10）" and loss.flagged and loss.flag_text == "高于警戒值 15%"
    assert not total.flagged and not closure.flagged


def test_small_and_empty_bases_are_warned_about():
    compared = {"current": indicators(3, 1, 2, 2, 0, 0), "previous": EMPTY, "year_ago": EMPTY}
    cards = build_cards(compared, Targets(min_denominator=5))
    assert "基数较小" in card(cards, "closure_rate").warning
    assert "基数较小" in card(cards, "head_appearance_rate").warning
    assert card(cards, "loss_rate").warning == "本期无可计算的基数" and card(cards, "loss_rate").text == "—（0/0）"


def test_a_period_without_any_record_is_no_comparison():
    assert not has_records(EMPTY)
    compared = {"current": indicators(5, 5, 0, 0, 0, 0), "previous": EMPTY, "year_ago": indicators(1, 0, 0, 0, 0, 0)}
    total = card(build_cards(compared), "total")
    assert total.delta_previous is None, "before the ledgers began there is nothing to compare with"
    assert total.delta_year_ago == "+4件"


def test_labels_and_formats():
    assert comparison_labels(parse_period("2025Q1")) == ("较上期（2024年第4季度）", "较去年同期（2024年第1季度）")
    assert fmt_number(1200, "件") == "1,200件" and fmt_number(2.5, "小时") == "2.5小时"
    assert rate_text(None, 0, 0) == "—（0/0）" and rate_text(1.0, 4, 4) == "100%（4/4）"


def test_targets_come_from_the_config_file(tmp_path, monkeypatch):
    config = tmp_path / "targets.toml"
    config.write_text(
        "[head_appearance_rate]\ntarget = 0.9\n[loss_rate]\nthreshold = 0.2\n[small_base]\nmin_denominator = 3\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("INDICATORS_TARGETS", str(config))
    assert targets() == Targets(head_appearance_rate=0.9, loss_rate=0.2, min_denominator=3)
    monkeypatch.delenv("INDICATORS_TARGETS")
    assert targets() == Targets(head_appearance_rate=1.0, loss_rate=0.15, min_denominator=5)


DIRECTIONS = {
    "total": "off",
    "closure_rate": "normal",
    "on_time_rate": "normal",
    "cases": "off",
    "loss_rate": "inverse",
    "head_appearance_rate": "normal",
    "sessions": "off",
    "participants": "off",
    "hours": "off",
}


@pytest.mark.parametrize("spec", CARD_SPECS, ids=lambda s: s.key)
def test_every_cards_delta_is_coloured_by_whether_up_is_good_news(spec):
    now, before = (0.8, 0.5) if spec.numerator else (12, 10)
    assert delta_style(spec, now, before) == (DIRECTIONS[spec.key], "auto")
    assert delta_style(spec, now, now) == ("off", "off"), "no change is grey, without an arrow"


def test_no_change_reads_plus_minus_zero():
    from indicators.metrics.cards import _delta

    rate, count = CARD_SPECS[1], CARD_SPECS[0]
    assert _delta(0.5, 0.5, rate) == "±0.0个百分点" and _delta(3, 3, count) == "±0件"
    assert _delta(0.6, 0.5, rate) == "+10.0个百分点" and _delta(2, 3, count) == "-1件"


def test_a_year_is_compared_once_with_the_year_before():
    assert comparison_labels(parse_period("2024")) == ("较上年（2023年）", None)
    assert comparison_labels(parse_period("2024Q3")) == ("较上期（2024年第2季度）", "较去年同期（2023年第3季度）")


def test_a_section_no_ledger_covers_shows_a_dash_not_zeros():
    compared = {k: indicators(120, 90, 8, 7, 10, 3) for k in ("current", "previous", "year_ago")}
    cards = build_cards(compared, covered={"training": False})
    training = [c for c in cards if c.section == "training"]
    assert {c.text for c in training} == {"—"} and not any(c.covered for c in training)
    assert all(c.delta_previous is None and c.delta_year_ago is None for c in training)
    assert all(c.covered for c in cards if c.section != "training")


def test_a_sum_whose_records_all_left_it_blank_shows_a_dash_and_why():
    compared = {k: indicators(120, 90, 8, 7, 10, 3) for k in ("current", "previous", "year_ago")}
    for when in compared.values():
        when["training"].update(sessions=3, participants=0, hours=4.5)
    blanks = {"training": {"participants": (3, 3), "hours": (1, 3)}}
    cards = build_cards(compared, unfilled=blanks)
    people, hours = card(cards, "participants"), card(cards, "hours")
    assert people.text == "—" and people.value is None and people.delta_previous is None
    assert people.blank_note == "本期3场活动均未填写参加人数"
    assert hours.text == "4.5小时" and hours.blank_note == "其中1场活动未填写学时，按 0 计"
    assert card(cards, "sessions").blank_note == ""


def test_a_zero_that_was_counted_stays_zero():
    compared = {k: indicators(0, 0, 0, 0, 0, 0) for k in ("current", "previous", "year_ago")}
    compared["current"]["training"].update(sessions=2, participants=0)
    cards = build_cards(compared, unfilled={"training": {"participants": (0, 2), "hours": (0, 2)}})
    assert card(cards, "participants").text == "0人次" and card(cards, "participants").blank_note == ""
