"""span.attribute_refs: long attribute values stored once, in input/output (model/attributes.py)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('span', sa.Column('attribute_refs', sa.Text().with_variant(
        postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade() -> None:
    """Puts the referenced values back into `attributes` before the column goes."""
    from spyglass.server.model.attributes import expand
    from spyglass.server.model.convert import dump_json, load_json

    conn = op.get_bind()
    value = "CAST(:attributes AS jsonb)" if conn.dialect.name == "postgresql" else ":attributes"
    update = sa.text(f"UPDATE span SET attributes = {value} WHERE pk = :pk")
    select = sa.text("SELECT pk, attributes, attribute_refs, input, output FROM span "
                     "WHERE attribute_refs IS NOT NULL AND pk > :after ORDER BY pk LIMIT 1000")
    after = 0
    while rows := conn.execute(select, {"after": after}).all():
        conn.execute(update, [{"pk": row.pk, "attributes": dump_json(expand(
            load_json(row.attributes), load_json(row.attribute_refs), load_json(row.input),
            load_json(row.output)))} for row in rows])
        after = rows[-1].pk
    op.drop_column('span', 'attribute_refs')
