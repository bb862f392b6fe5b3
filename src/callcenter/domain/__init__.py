"""Pure rules of the access line: no Textual, no SQL."""
