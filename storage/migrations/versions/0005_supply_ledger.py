"""ledger_parcels: the supply ledger (供应台账), one row per parcel planned, approved and
supplied against the annual supply plan (issue 11).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 07:35:31.038827

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('ledger_parcels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parcel_code', sa.String(length=64), nullable=True),
    sa.Column('project_name', sa.String(length=200), nullable=False),
    sa.Column('jurisdiction', sa.String(length=128), nullable=False),
    sa.Column('place_id', sa.String(length=128), nullable=True),
    sa.Column('land_use', sa.String(length=32), nullable=False),
    sa.Column('area_m2', sa.Float(), nullable=False),
    sa.Column('plan_year', sa.Integer(), nullable=True),
    sa.Column('planned_quarter', sa.Integer(), nullable=True),
    sa.Column('in_plan', sa.Boolean(), nullable=True),
    sa.Column('supply_method', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('submitted_date', sa.Date(), nullable=True),
    sa.Column('approved_date', sa.Date(), nullable=True),
    sa.Column('supplied_date', sa.Date(), nullable=True),
    sa.Column('supply_basis', sa.String(length=32), nullable=True),
    sa.Column('final_price_yuan', sa.Float(), nullable=True),
    sa.Column('department', sa.String(length=128), nullable=True),
    sa.Column('draft_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('draft', 'import')", name=op.f('ck_ledger_parcels_source')),
    sa.CheckConstraint("status IN ('planned', 'submitted', 'returned', 'approved', 'supplied')", name=op.f('ck_ledger_parcels_status')),
    sa.CheckConstraint('area_m2 > 0', name=op.f('ck_ledger_parcels_area_positive')),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], name=op.f('fk_ledger_parcels_draft_id_drafts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_parcels')),
    sa.UniqueConstraint('draft_id', name=op.f('uq_ledger_parcels_draft_id')),
    sa.UniqueConstraint('parcel_code', name=op.f('uq_ledger_parcels_parcel_code'))
    )
    with op.batch_alter_table('ledger_parcels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_parcels_department'), ['department'], unique=False)
        batch_op.create_index('ix_ledger_parcels_plan_year_place_id', ['plan_year', 'place_id'], unique=False)
        batch_op.create_index('ix_ledger_parcels_progress', ['land_use', 'status', 'place_id', 'plan_year', 'supplied_date', 'area_m2', 'department'], unique=False)



def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('ledger_parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_parcels_progress')
        batch_op.drop_index('ix_ledger_parcels_plan_year_place_id')
        batch_op.drop_index(batch_op.f('ix_ledger_parcels_department'))

    op.drop_table('ledger_parcels')
