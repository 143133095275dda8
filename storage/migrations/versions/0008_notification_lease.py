"""notifications.claimed_until: a worker's claim on a notification lasts until then, and the
notification counts as sent only once it went out (`delivered_at`). A worker killed mid-send,
or a send that failed for a while (Telegram unreachable), leaves it to be sent again: at least
once, not at most once. An older worker, which claims by setting `delivered_at`, keeps working.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 05:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema (a nullable column: an old worker keeps writing rows)."""
    with op.batch_alter_table('notifications') as batch:
        batch.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    """Downgrade schema (a claim in hand is dropped: that notification is sent again)."""
    with op.batch_alter_table('notifications') as batch:
        batch.drop_column('claimed_until')
