"""People who sign in: providers who own listings, referring clinicians, admins."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

ROLE_PROVIDER = "provider"
ROLE_REFERRER = "referrer"
ROLE_ADMIN = "admin"
ROLES = (ROLE_PROVIDER, ROLE_REFERRER, ROLE_ADMIN)


class User(UserMixin, db.Model):
    """An account. The password is stored only as an argon2 hash."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=ROLE_PROVIDER)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A new address waiting for its confirmation link to be opened (email change).
    pending_email: Mapped[str | None] = mapped_column(String(254))
    # Bumped on logout-everywhere and password change, so old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def get_id(self) -> str:
        """The session identifier: id and session version, so a bumped version ends old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        """Whether this account administers the directory."""
        return self.role == ROLE_ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
