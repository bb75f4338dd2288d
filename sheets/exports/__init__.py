"""Excel exports in three layers: declared columns, rows built from selectors, a writer that only appends."""
