"""provider ranking: read results in their final order and stop at the page

A lookup shows the best 50 of what matches. Ordered by name (after the ranking tiers), an index
on (name, id) lets the database walk providers in that order and stop once the page is full,
instead of sorting every match of a broad word such as "anxiety" (a fifth of the directory).

PostgreSQL also gets the words of a provider's name and specialties as their own vector: the
"named for it" ranking tier, answered from a GIN index rather than by ranking every match.
On SQLite the same tier is an FTS5 column filter on the existing index.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TITLE = "name || ' ' || specialties"
# Nearest-first pages read rings around a place: with every column a lookup filters or orders on,
# the ring is answered from the index alone, without visiting the (wide) provider rows.
PLACE_COLUMNS = ["latitude", "longitude", "active", "accepts_husky", "is_ecc", "wait_days", "min_age_months",
                 "max_age_months", "open_days", "opens_minute", "closes_minute", "name"]


def upgrade() -> None:
    op.create_index("ix_provider_name_id", "provider", ["name", "id"])
    op.drop_index("ix_provider_lat_lon", table_name="provider")
    op.create_index("ix_provider_place", "provider", PLACE_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE provider ADD COLUMN title_vector tsvector "
                   f"GENERATED ALWAYS AS (to_tsvector('simple', {TITLE})) STORED")
        op.execute("CREATE INDEX ix_provider_title_vector ON provider USING gin (title_vector)")
        # The planner needs the new column's statistics to choose between the index walk and the GIN index.
        op.execute("ANALYZE provider")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_provider_title_vector")
        op.execute("ALTER TABLE provider DROP COLUMN title_vector")
    op.drop_index("ix_provider_place", table_name="provider")
    op.create_index("ix_provider_lat_lon", "provider", ["latitude", "longitude"])
    op.drop_index("ix_provider_name_id", table_name="provider")
