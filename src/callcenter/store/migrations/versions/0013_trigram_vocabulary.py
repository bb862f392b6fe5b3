"""PostgreSQL: the directory's words in a trigram-indexed view, for typo tolerance

A word the directory does not know ("hartfrod") is matched against the words it does know
(hartford). PostgreSQL keeps those words in a materialized view over the search vector, with a
pg_trgm index, so the likely misspellings of a word are found by the database instead of every
terminal holding the whole vocabulary in memory. Imports refresh the view. SQLite keeps reading
its FTS5 vocabulary table (migration 0003), which is always current.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("""
        CREATE MATERIALIZED VIEW provider_words AS
        SELECT word FROM ts_stat('SELECT search_vector FROM provider WHERE active')
        WHERE word ~ '^[[:alpha:]]+$'
    """)
    # Unique, so the view can be refreshed concurrently: lookups keep reading the old words meanwhile.
    op.execute("CREATE UNIQUE INDEX ix_provider_words_word ON provider_words (word)")
    op.execute("CREATE INDEX ix_provider_words_trigram ON provider_words USING gin (word gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP MATERIALIZED VIEW IF EXISTS provider_words")
