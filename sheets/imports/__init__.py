"""Excel imports: upload checks before any parser runs, then parsing, validation and a preview."""
