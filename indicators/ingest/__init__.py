"""Ingest: a ledger's path from bytes to typed records — safety → reading (workbook, sheets) → normalize → validation.

Nothing here touches the store; the workbook parser's child process imports this package without pandas.
"""
