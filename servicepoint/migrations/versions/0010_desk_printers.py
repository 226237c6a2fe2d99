"""a desk's own printer; print jobs for a desk's printer, and for slips and cards

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 02:40:00

A print job is now on a kiosk's printer or on a desk's (exactly one of the two). Existing
jobs are all a kiosk's; existing desks get no printer (they use a printing kiosk).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("printer_uri", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "printer_profile", sa.String(length=64), server_default="TM-T20II", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "printer_state", sa.String(length=16), server_default="unknown", nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("printer_detail", sa.String(length=300), server_default="", nullable=False)
        )
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("desk_id", sa.Integer(), nullable=True))
        batch_op.alter_column("kiosk_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_print_job_desk_id"), ["desk_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_print_job_desk_id_desk"), "desk", ["desk_id"], ["id"], ondelete="CASCADE"
        )
        batch_op.create_check_constraint(
            "print_job_one_printer", "(kiosk_id IS NULL) <> (desk_id IS NULL)"
        )


def downgrade() -> None:
    op.execute("DELETE FROM print_job WHERE kiosk_id IS NULL")
    with op.batch_alter_table("print_job", schema=None) as batch_op:
        batch_op.drop_constraint("print_job_one_printer", type_="check")
        batch_op.drop_constraint(batch_op.f("fk_print_job_desk_id_desk"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_print_job_desk_id"))
        batch_op.alter_column("kiosk_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("desk_id")
    with op.batch_alter_table("desk", schema=None) as batch_op:
        batch_op.drop_column("printer_detail")
        batch_op.drop_column("printer_state")
        batch_op.drop_column("printer_profile")
        batch_op.drop_column("printer_uri")
