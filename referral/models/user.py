"""People who sign in (providers who own listings, referring clinicians, admins) and their recovery codes."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, language_column, utcnow

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
    language: Mapped[str] = language_column()
    # Two-step sign-in (TOTP). The base32 secret is set when setting up starts and counts once confirmed.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The 30-second time step of the last code accepted: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    def get_id(self) -> str:
        """The session identifier: id and session version, so a bumped version ends old sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def has_second_factor(self) -> bool:
        """Whether sign-in asks this account for a code after the password."""
        return bool(self.totp_secret) and self.totp_confirmed_at is not None

    @property
    def is_admin(self) -> bool:
        """Whether this account may act as an administrator: the admin role and a confirmed second factor.

        Every session of an account with the factor began with a right code: the sign-in starts the
        session only after the code, and confirming the factor ends the sessions begun before it.
        """
        return self.role == ROLE_ADMIN and self.has_second_factor

    @property
    def must_set_up_second_factor(self) -> bool:
        """Whether this is an administrator who has not set up the second factor yet."""
        return self.role == ROLE_ADMIN and not self.has_second_factor

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for an authenticator code; stored only as a SHA-256 digest."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
