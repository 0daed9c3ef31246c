"""Metrics: periods → kpis (pure functions of DataFrames) → tables behind the charts → cards → page views."""
