"""The Textual console: screens, widgets and bindings. No SQL and no business rules here."""
