"""Hold an intake's chosen client on the draft (client id and the version read), not in the
values typed; finished and discarded drafts keep no personal data.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "client_management_intakedraft"


def upgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(
            sa.Column(
                "client_id",
                sa.Integer(),
                sa.ForeignKey("client_management_client.id", name=f"fk_{TABLE}_client_id"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("client_version", sa.Integer(), nullable=True))
        batch.create_index(f"ix_{TABLE}_client_id", ["client_id"])

    drafts = sa.table(
        TABLE,
        sa.column("id", sa.Integer),
        sa.column("values", sa.JSON),
        sa.column("summary", sa.String),
        sa.column("finished_at", sa.DateTime),
        sa.column("is_deleted", sa.Boolean),
        sa.column("client_id", sa.Integer),
        sa.column("client_version", sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(drafts.c.id, drafts.c["values"], drafts.c.finished_at, drafts.c.is_deleted)
    ).all()
    for draft_id, values, finished_at, is_deleted in rows:
        values = dict(values or {})
        if finished_at is not None or is_deleted:
            conn.execute(
                drafts.update()
                .where(drafts.c.id == draft_id)
                .values({"values": {}, "summary": "Finished" if finished_at else "Discarded"})
            )
            continue
        linked = str(values.pop("linked_version_of", ""))
        version = str(values.pop("linked_version", ""))
        link = {}
        if linked.isdigit() and version.isdigit():
            link = {"client_id": int(linked), "client_version": int(version)}
        conn.execute(
            drafts.update().where(drafts.c.id == draft_id).values({"values": values, **link})
        )


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_index(f"ix_{TABLE}_client_id")
        batch.drop_constraint(f"fk_{TABLE}_client_id", type_="foreignkey")
        batch.drop_column("client_version")
        batch.drop_column("client_id")
