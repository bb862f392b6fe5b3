"""The guided intake: steps, fields, autosave, crisis path and submission."""
