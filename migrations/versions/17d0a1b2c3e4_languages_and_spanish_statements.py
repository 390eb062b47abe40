"""languages: the language each account holder, search alert and inquiry record reads us in, and a listing's
statement in Spanish

Revision ID: 17d0a1b2c3e4
Revises: 5e1f0a7c2b16
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17d0a1b2c3e4'
down_revision = '5e1f0a7c2b16'
branch_labels = None
depends_on = None

LANGUAGE_TABLES = ('users', 'search_alerts', 'inquiry_records')


def upgrade():
    # Plain ADD COLUMN on both engines: SQLite need not rebuild the tables (providers carries the office index's triggers).
    for table in LANGUAGE_TABLES:
        op.add_column(table, sa.Column('language', sa.String(length=8), server_default='en', nullable=False))
    op.add_column('providers', sa.Column('statement_es', sa.Text(), server_default='', nullable=False))


def downgrade():
    op.drop_column('providers', 'statement_es')
    for table in reversed(LANGUAGE_TABLES):
        op.drop_column(table, 'language')
