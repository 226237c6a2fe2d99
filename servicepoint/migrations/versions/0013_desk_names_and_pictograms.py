"""desks' names per language, topics' pictograms

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 03:40:00.000000

Existing desks have no names in other languages (``{}``: their German name everywhere);
existing topics have no pictogram until a manager picks one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", sa.JSON(), server_default="{}", nullable=False))
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pictogram", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("topic", schema=None) as batch_op:
        batch_op.drop_column("pictogram")
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.drop_column("names")
