"""an index of the waiting youths

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WAITING = sa.text("waiting_since IS NOT NULL")


def upgrade() -> None:
    # The waiting youths page and its count read only the youths waiting, in waiting order.
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.create_index(
            "ix_youths_waiting",
            ["waiting_since", "person_id"],
            unique=False,
            sqlite_where=WAITING,
            postgresql_where=WAITING,
        )


def downgrade() -> None:
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.drop_index("ix_youths_waiting")
