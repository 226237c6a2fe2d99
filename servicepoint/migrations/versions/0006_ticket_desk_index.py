"""an index for the ticket at a desk: every call looked through all days' tickets

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 12:00:00
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.create_index("ix_ticket_desk", ["desk_id", "state", "called_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_ticket_desk")
