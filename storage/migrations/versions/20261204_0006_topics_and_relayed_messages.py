"""topics (what a youth wants help with, what a pair talked about) and relayed messages (counted,
no text)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "relayed_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("sent_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_relayed_messages_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["people.id"],
            name=op.f("fk_relayed_messages_sender_id_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relayed_messages")),
    )
    with op.batch_alter_table("relayed_messages", schema=None) as batch_op:
        batch_op.create_index("ix_relayed_messages_match", ["match_id", "sent_at"], unique=False)

    op.create_table(
        "pair_topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("tagged_by", sa.Integer(), nullable=True),
        sa.Column("tagged_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_pair_topics_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_pair_topics_meeting_id_meetings"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tagged_by"],
            ["people.id"],
            name=op.f("fk_pair_topics_tagged_by_people"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pair_topics")),
    )
    with op.batch_alter_table("pair_topics", schema=None) as batch_op:
        batch_op.create_index("ix_pair_topics_match_topic", ["match_id", "topic"], unique=False)

    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.add_column(sa.Column("topics", JSON, nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("topics_text", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("youths", schema=None) as batch_op:
        batch_op.drop_column("topics_text")
        batch_op.drop_column("topics")

    with op.batch_alter_table("pair_topics", schema=None) as batch_op:
        batch_op.drop_index("ix_pair_topics_match_topic")
    op.drop_table("pair_topics")

    with op.batch_alter_table("relayed_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_relayed_messages_match")
    op.drop_table("relayed_messages")
