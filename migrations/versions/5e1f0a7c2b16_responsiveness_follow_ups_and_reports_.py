"""responsiveness, follow-ups, reports of wrong listings and search alerts: inquiry records (outliving their
inquiries, with the visitor's optional follow-up), notices to owners, visitors' reports, and search alerts;
existing inquiries get their records

Revision ID: 5e1f0a7c2b16
Revises: 644731fa8efd
Create Date: 2026-12-02 15:21:08.004737

"""
from alembic import op
import sqlalchemy as sa

import referral.models.types


# revision identifiers, used by Alembic.
revision = '5e1f0a7c2b16'
down_revision = '644731fa8efd'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('listing_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reporter_key', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', referral.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_listing_reports_provider_id_providers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_listing_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_listing_reports'))
    )
    with op.batch_alter_table('listing_reports', schema=None) as batch_op:
        batch_op.create_index('ix_listing_reports_provider_status', ['provider_id', 'status'], unique=False)
        batch_op.create_index('ix_listing_reports_status_created', ['status', 'created_at'], unique=False)

    op.create_table('owner_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('sent_at', referral.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_owner_notices_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_notices'))
    )
    with op.batch_alter_table('owner_notices', schema=None) as batch_op:
        batch_op.create_index('ix_owner_notices_provider_kind_sent', ['provider_id', 'kind', 'sent_at'], unique=False)

    op.create_table('inquiry_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('inquiry_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', referral.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('visitor_answer', sa.String(length=16), nullable=False),
    sa.Column('follow_up_email', sa.String(length=254), nullable=False),
    sa.Column('follow_up_due_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_up_sent_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('follow_up_answered_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_inquiry_records_inquiry_id_inquiries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_inquiry_records_provider_id_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inquiry_records')),
    sa.UniqueConstraint('inquiry_id', name=op.f('uq_inquiry_records_inquiry_id'))
    )
    with op.batch_alter_table('inquiry_records', schema=None) as batch_op:
        batch_op.create_index('ix_inquiry_records_follow_up_due', ['follow_up_due_at'], unique=False)
        batch_op.create_index('ix_inquiry_records_provider_sent', ['provider_id', 'sent_at'], unique=False)

    op.create_table('search_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('query', sa.String(length=2000), nullable=False),
    sa.Column('created_at', referral.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_sent_at', referral.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_alerts'))
    )
    with op.batch_alter_table('search_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_search_alerts_confirmed_expires', ['confirmed_at', 'expires_at'], unique=False)

    # The inquiries already stored count towards their listings' figures.
    op.execute(
        "INSERT INTO inquiry_records (provider_id, inquiry_id, sent_at, answered_at, visitor_answer, follow_up_email) "
        "SELECT provider_id, id, created_at, answered_at, '', '' FROM inquiries"
    )



def downgrade():
    with op.batch_alter_table('search_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_search_alerts_confirmed_expires')

    op.drop_table('search_alerts')
    with op.batch_alter_table('inquiry_records', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiry_records_provider_sent')
        batch_op.drop_index('ix_inquiry_records_follow_up_due')

    op.drop_table('inquiry_records')
    with op.batch_alter_table('owner_notices', schema=None) as batch_op:
        batch_op.drop_index('ix_owner_notices_provider_kind_sent')

    op.drop_table('owner_notices')
    with op.batch_alter_table('listing_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_reports_status_created')
        batch_op.drop_index('ix_listing_reports_provider_status')

    op.drop_table('listing_reports')
