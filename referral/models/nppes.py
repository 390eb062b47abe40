"""What the last NPPES import saw for each registry listing: a hash of the mapped registry row."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow


class NppesRecord(db.Model):
    """The registry row a provider was last imported (or left alone) from, as a hash.

    A re-import compares hashes and skips unchanged rows, so running the same file twice writes
    nothing; the listing itself stays free of import bookkeeping.
    """

    __tablename__ = "nppes_records"

    provider_id: Mapped[int] = mapped_column(ForeignKey("providers.id", ondelete="CASCADE"), primary_key=True)
    row_hash: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
