"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from servicepoint.db import Database
from servicepoint.models import Base
from tests.conftest import BACKENDS, fresh_database


@pytest.mark.parametrize("backend_name", BACKENDS)
def test_migrated_schema_matches_models(backend_name, tmp_path):
    with fresh_database(backend_name, tmp_path) as url:
        database = Database(url)
        with database.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        database.dispose()
    assert differences == []
