"""Programme settings for the targets; outcome statuses and closure records; a pair's original
end date; companies outside the partnerships unless marked partners.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
# Outcome categories before this revision and the statuses they stand for.
STATUSES = {
    "education": "education",
    "still_in_school": "education",
    "ordinary_job": "ordinary_job",
    "praktik": "praktik",
    "loentilskud": "loentilskud",
    "smaajob": "smaajob",
    "none": "none",
}


def upgrade() -> None:
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_ends_on", sa.Date(), nullable=True))

    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("statuses", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("at_closure", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("budget_dkk", JSON, nullable=False, server_default="{}"))
        for name, default in (
            ("outcome_after_months", "3"),
            ("outcome_window_before_days", "14"),
            ("outcome_window_after_days", "45"),
        ):
            batch_op.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=default)
            )

    outcomes = sa.table(
        "outcomes", sa.column("category", sa.String), sa.column("statuses", JSON),
        sa.column("source", sa.String),
    )  # fmt: skip
    for category, status in STATUSES.items():
        op.execute(
            outcomes.update().where(outcomes.c.category == category).values(statuses=[status])
        )
    op.execute(outcomes.update().where(outcomes.c.source == "import").values(source="register"))
    # A company is outside the partnerships unless a coordinator registered it otherwise:
    # those a mentor's sign-up or an import created (no source, or "mentor") are outside.
    companies = sa.table(
        "companies", sa.column("source", sa.String), sa.column("outside_partnership", sa.Boolean)
    )
    op.execute(
        companies.update()
        .where(sa.or_(companies.c.source.is_(None), companies.c.source == "mentor"))
        .values(outside_partnership=True)
    )
    op.execute(
        companies.update().where(companies.c.source == "partner").values(outside_partnership=False)
    )


def downgrade() -> None:
    with op.batch_alter_table("programmes", schema=None) as batch_op:
        batch_op.drop_column("outcome_window_after_days")
        batch_op.drop_column("outcome_window_before_days")
        batch_op.drop_column("outcome_after_months")
        batch_op.drop_column("budget_dkk")

    with op.batch_alter_table("outcomes", schema=None) as batch_op:
        batch_op.drop_column("at_closure")
        batch_op.drop_column("statuses")

    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_column("original_ends_on")
