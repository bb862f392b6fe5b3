"""Data layer: tables, engine set-up, migrations and the operations the UI calls."""
