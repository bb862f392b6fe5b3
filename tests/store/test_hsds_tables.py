"""The domain's HSDS fields are the columns the database holds, in the same order and sizes; the
only other column is the line's own stamp of when a service last changed."""

from __future__ import annotations

from sqlalchemy import Float, Integer

from callcenter.store import hsds

LINE_OWN = {"last_modified"}  # kept by the import, never read from a package


def test_each_table_spec_matches_its_model():
    for table in hsds.SPECS:
        kinds = {
            column.name: (
                float if isinstance(column.type, Float) else int if isinstance(column.type, Integer) else str,
                getattr(column.type, "length", None),
            )
            for column in table.table.columns
            if column.name not in LINE_OWN
        }
        assert table.spec.kinds == kinds, table.name
        assert table.columns == tuple(column.name for column in table.table.columns if column.name not in LINE_OWN)
    assert [column.name for column in hsds.SPEC["service"].table.columns][-1] == "last_modified"
