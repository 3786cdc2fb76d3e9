"""datasets (versioned items), experiments and the prompt library

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dataset',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('workspace_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('project_id', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('version', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dataset')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_dataset_workspace_id_name'))
    )
    op.create_table('dataset_item',
    sa.Column('pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('dataset_id', sa.Text(), nullable=False),
    sa.Column('data', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_hash', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), server_default='api', nullable=False),
    sa.Column('trace_id', sa.Text(), nullable=True),
    sa.Column('span_id', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('added_version', sa.Integer(), nullable=False),
    sa.Column('removed_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_dataset_item'))
    )
    op.create_index(op.f('ix_dataset_item_dataset_id_content_hash'), 'dataset_item', ['dataset_id', 'content_hash'], unique=False)
    op.create_index(op.f('ix_dataset_item_dataset_id_id'), 'dataset_item', ['dataset_id', 'id'], unique=False)
    op.create_index(op.f('ix_dataset_item_dataset_id_removed_version_pk'), 'dataset_item', ['dataset_id', 'removed_version', 'pk'], unique=False)
    op.create_table('dataset_version',
    sa.Column('dataset_id', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('change', sa.Text(), nullable=False),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dataset_id', 'version', name=op.f('pk_dataset_version'))
    )
    op.create_table('experiment',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('workspace_id', sa.Text(), nullable=False),
    sa.Column('dataset_id', sa.Text(), nullable=False),
    sa.Column('dataset_version', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('project_id', sa.Text(), nullable=True),
    sa.Column('metadata', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('tags', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('type', sa.Text(), server_default='regular', nullable=False),
    sa.Column('status', sa.Text(), server_default='running', nullable=False),
    sa.Column('prompt_versions', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('scores', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.Column('finished_at', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment'))
    )
    op.create_index(op.f('ix_experiment_dataset_id_created_at'), 'experiment', ['dataset_id', 'created_at'], unique=False)
    op.create_index(op.f('ix_experiment_workspace_id_name'), 'experiment', ['workspace_id', 'name'], unique=False)
    op.create_table('experiment_item',
    sa.Column('pk', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('experiment_id', sa.Text(), nullable=False),
    sa.Column('dataset_item_id', sa.Text(), nullable=False),
    sa.Column('trace_id', sa.Text(), nullable=True),
    sa.Column('output', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('pk', name=op.f('pk_experiment_item')),
    sa.UniqueConstraint('id', name=op.f('uq_experiment_item_id'))
    )
    op.create_index(op.f('ix_experiment_item_experiment_id_dataset_item_id'), 'experiment_item', ['experiment_id', 'dataset_item_id'], unique=False)
    op.create_index(op.f('ix_experiment_item_trace_id'), 'experiment_item', ['trace_id'], unique=False)
    op.create_table('prompt',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('workspace_id', sa.Text(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('project_id', sa.Text(), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt')),
    sa.UniqueConstraint('workspace_id', 'name', name=op.f('uq_prompt_workspace_id_name'))
    )
    op.create_table('prompt_label',
    sa.Column('prompt_id', sa.Text(), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('version_id', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('prompt_id', 'label', name=op.f('pk_prompt_label'))
    )
    op.create_table('prompt_version',
    sa.Column('id', sa.Text(), nullable=False),
    sa.Column('prompt_id', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('commit', sa.Text(), nullable=False),
    sa.Column('template', sa.Text(), nullable=False),
    sa.Column('template_structure', sa.Text(), server_default='text', nullable=False),
    sa.Column('type', sa.Text(), server_default='mustache', nullable=False),
    sa.Column('metadata', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('change_description', sa.Text(), nullable=True),
    sa.Column('tags', sa.Text().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_version')),
    sa.UniqueConstraint('prompt_id', 'commit', name=op.f('uq_prompt_version_prompt_id_commit')),
    sa.UniqueConstraint('prompt_id', 'version', name=op.f('uq_prompt_version_prompt_id_version'))
    )


def downgrade() -> None:
    for name in ("prompt_label", "prompt_version", "prompt", "experiment_item", "experiment",
                 "dataset_item", "dataset_version", "dataset"):
        op.drop_table(name)
