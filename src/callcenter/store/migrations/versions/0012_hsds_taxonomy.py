"""HSDS taxonomies and their terms; term names searched with the rest of a provider

A package from a 211 or another directory classifies its services with taxonomy terms
("Child Guidance", "Family Counseling") through attributes. The terms are kept, and a provider
carries the names of its terms in a searchable column, so a rep's words find services by their
category too. The search index is rebuilt to include it (FTS5 on SQLite, the tsvector on PostgreSQL).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BEFORE = "name, description, specialties, service_types, town, organization"
AFTER = BEFORE + ", taxonomy"


def _text(name: str, length: int | None = None) -> sa.Column:
    kind = sqlmodel.sql.sqltypes.AutoString(length=length) if length else sa.Text()
    return sa.Column(name, kind, nullable=True)


def upgrade() -> None:
    op.create_table(
        'hsds_taxonomy',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        _text('description'),
        _text('uri', 400),
        _text('version', 40),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'hsds_taxonomy_term',
        sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        _text('code', 100),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        _text('description'),
        _text('parent_id', 100),
        _text('taxonomy', 200),
        _text('language', 20),
        _text('taxonomy_id', 64),
        _text('term_uri', 400),
        sa.ForeignKeyConstraint(['taxonomy_id'], ['hsds_taxonomy.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_hsds_taxonomy_term_taxonomy_id', 'hsds_taxonomy_term', ['taxonomy_id'])
    # A plain ADD COLUMN: a batch (copy-and-move) rebuild of provider would drop its FTS triggers.
    op.add_column('provider', sa.Column('taxonomy', sqlmodel.sql.sqltypes.AutoString(length=400),
                                        nullable=False, server_default=''))
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_full_text(AFTER)
    else:
        _postgres_full_text(AFTER)


def _sqlite_full_text(columns: str) -> None:
    """The FTS5 index of migration 0003, over these columns."""
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS provider_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS provider_vocab")
    op.execute("DROP TABLE IF EXISTS provider_fts")
    op.execute(
        f"CREATE VIRTUAL TABLE provider_fts USING fts5({columns}, content='provider', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
    )
    new = ", ".join(f"new.{c.strip()}" for c in columns.split(","))
    old = ", ".join(f"old.{c.strip()}" for c in columns.split(","))
    op.execute(f"CREATE TRIGGER provider_fts_insert AFTER INSERT ON provider BEGIN "
               f"INSERT INTO provider_fts(rowid, {columns}) VALUES (new.id, {new}); END")
    op.execute(f"CREATE TRIGGER provider_fts_delete AFTER DELETE ON provider BEGIN "
               f"INSERT INTO provider_fts(provider_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END")
    op.execute(f"CREATE TRIGGER provider_fts_update AFTER UPDATE ON provider BEGIN "
               f"INSERT INTO provider_fts(provider_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); "
               f"INSERT INTO provider_fts(rowid, {columns}) VALUES (new.id, {new}); END")
    op.execute("CREATE VIRTUAL TABLE provider_vocab USING fts5vocab(provider_fts, 'row')")
    op.execute("INSERT INTO provider_fts(provider_fts) VALUES ('rebuild')")


def _postgres_full_text(columns: str) -> None:
    """The generated search_vector of migration 0006 ('simple': names and places are not stemmed)."""
    document = " || ' ' || ".join(
        column if column in ("name", "specialties", "service_types", "taxonomy") else f"coalesce({column}, '')"
        for column in (c.strip() for c in columns.split(","))
    )
    op.execute("DROP INDEX IF EXISTS ix_provider_search_vector")
    op.execute("ALTER TABLE provider DROP COLUMN IF EXISTS search_vector")
    op.execute(f"ALTER TABLE provider ADD COLUMN search_vector tsvector "
               f"GENERATED ALWAYS AS (to_tsvector('simple', {document})) STORED")
    op.execute("CREATE INDEX ix_provider_search_vector ON provider USING gin (search_vector)")
    op.execute("ANALYZE provider")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_full_text(BEFORE)
    else:
        _postgres_full_text(BEFORE)
    op.drop_column('provider', 'taxonomy')
    op.drop_index('ix_hsds_taxonomy_term_taxonomy_id', table_name='hsds_taxonomy_term')
    op.drop_table('hsds_taxonomy_term')
    op.drop_table('hsds_taxonomy')
