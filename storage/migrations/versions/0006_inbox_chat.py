"""inbox.chat_key: which chat an inbound update belongs to, so that several workers on one
database can hand a chat's updates to one worker at a time, in order (bot/channels/telegram/
shared.py). Rows written by an older worker have none; they are read by their payload.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema (a nullable column and an index: an old worker keeps writing rows)."""
    with op.batch_alter_table('inbox') as batch:
        batch.add_column(sa.Column('chat_key', sa.String(length=64), nullable=True))
    op.create_index('ix_inbox_chat', 'inbox', ['channel', 'chat_key', 'update_id'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_inbox_chat', table_name='inbox')
    with op.batch_alter_table('inbox') as batch:
        batch.drop_column('chat_key')
