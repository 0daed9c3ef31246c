"""Rule-of-law indicators: schemas, reading, validation, storage, KPIs, charts and exports.

The core never imports streamlit; the dashboard's pages call into it.
"""
