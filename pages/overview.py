"""总览: a card per indicator with its change against the previous period and last year."""

import streamlit as st

import ui
from indicators.metrics.cards import NO_LEDGER, SECTION_TITLES, comparison_labels

sel, data = ui.open_page("法治政府建设指标总览", "overview")
previous_label, year_ago_label = comparison_labels(sel.period)
compared_with = f"{previous_label}与{year_ago_label}" if year_ago_label else previous_label
st.caption(ui.md("{}；卡片中的变化为{}。", sel.unit_shown, compared_with))
# In the card, the comparison's word alone (较上期): the period it names is in the caption above, and the
# whole label does not fit a quarter of a laptop's width.
in_card = previous_label.split("（")[0] if year_ago_label else previous_label
ui.definitions("petitions", "litigation", "training")
for section, title in SECTION_TITLES.items():
    st.subheader(title)
    cards = [c for c in data["cards"] if c.section == section]
    for column, card in zip(st.columns(len(cards)), cards, strict=True):
        with column:
            label = f":red[{card.label}（未达目标）]" if card.flagged else card.label
            st.metric(
                label,
                card.text,
                delta=card.delta_previous,
                delta_description=in_card if card.delta_previous is not None else None,
                delta_color=card.delta_color,
                delta_arrow=card.delta_arrow,
                border=True,
                help=f"分子/分母：{card.basis}" if card.basis else None,
            )
            if not card.covered:
                st.caption(NO_LEDGER)
                continue
            if card.blank_note:
                st.caption(ui.md("{}", card.blank_note))
            if card.delta_previous is None:
                st.caption(ui.md("{}：无可比数据", previous_label))
            if year_ago_label:
                st.caption(ui.md("{}：{}", year_ago_label, card.delta_year_ago or "无可比数据"))
            if card.flagged:
                st.error(card.flag_text, icon=":material/flag:")
            if card.warning:
                st.warning(card.warning, icon=":material/warning:")
