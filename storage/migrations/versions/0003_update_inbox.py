"""inbox: inbound updates written down before they are confirmed (nothing lost on kill -9).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 08:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('inbox',
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('channel', 'update_id', name=op.f('pk_inbox'))
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('inbox')
