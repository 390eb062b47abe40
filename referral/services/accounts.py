"""Accounts: registration, email confirmation, sign-in, password reset and change, email change.

Known and unknown email addresses get the same answer and the same shape of work: sign-in always
verifies one argon2 hash (a dummy one for an unknown address), registration always hashes the
password and writes one outbox row (to the existing owner when the address is taken), and a reset
request does one lookup and queues mail only for a real account; mail is sent later by the outbox,
never while the person waits.
"""
import hashlib
import hmac
import re
from datetime import datetime
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from ..extensions import db
from ..models import ROLE_ADMIN, ROLE_PROVIDER, ROLE_REFERRER, User, utcnow
from .errors import Conflict, NotFound, ValidationFailed
from .mail import queue_email

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 copes with more; this only bounds the work one request can cause
SELF_SERVICE_ROLES = (ROLE_PROVIDER, ROLE_REFERRER)
ROLE_NAMES = {ROLE_PROVIDER: "provider", ROLE_REFERRER: "referring clinician", ROLE_ADMIN: "administrator"}

CONFIRM_SALT = "account.confirm-email"
RESET_SALT = "account.reset-password"
CONFIRM_PATH = "/confirm/"
RESET_PATH = "/reset/"

WRONG_LOGIN = "That email and password do not match an account."
BAD_LINK = "This link is not valid. It may have expired or been used already; ask for a new one."

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- password hashing -------------------------------------------------------------------------

@lru_cache(maxsize=2)
def _hasher_for(fast: bool) -> PasswordHasher:
    if fast:
        # Tests only (PASSWORD_HASH_FAST): still argon2id, with tiny cost parameters.
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


def _hasher() -> PasswordHasher:
    return _hasher_for(bool(current_app.config.get("PASSWORD_HASH_FAST")))


@lru_cache(maxsize=2)
def _dummy_hash_for(fast: bool) -> str:
    return _hasher_for(fast).hash("not a password anyone has: timing equaliser")


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether the password matches the stored argon2 hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _burn_verify(password: str) -> None:
    """Verify against a dummy hash, so an unknown address costs what a known one does."""
    verify_password(_dummy_hash_for(bool(current_app.config.get("PASSWORD_HASH_FAST"))), password)


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_version = (user.session_version or 1) + 1


# --- validation --------------------------------------------------------------------------------

def normalize_email(email: str | None) -> str:
    """An email address as stored: trimmed and lower-cased."""
    return (email or "").strip().lower()


def _check_email(email: str, field: str = "email") -> str:
    email = normalize_email(email)
    if not email:
        raise ValidationFailed({field: "Enter your email address."})
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise ValidationFailed({field: "Enter an email address like name@example.org."})
    return email


def check_new_password(password: str | None, field: str = "password") -> str:
    """Refuse passwords that are too short or absurdly long; return the password."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({field: f"Use at least {MIN_PASSWORD_LENGTH} characters."})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed({field: f"Use at most {MAX_PASSWORD_LENGTH} characters."})
    return password


def _user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalize_email(email))).first()  # stored lower-cased


# --- signed links --------------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _link(path: str, token: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path + token


def _load(token: str, salt: str, max_age: int, now: datetime | None) -> dict:
    serializer = _serializer(salt)
    try:
        payload, signed_at = serializer.loads(token or "", return_timestamp=True)
    except (BadSignature, SignatureExpired, ValueError, TypeError):
        raise ValidationFailed({"token": BAD_LINK}) from None
    now = now or utcnow()
    age = (now - signed_at).total_seconds()
    if age > max_age or age < -300 or not isinstance(payload, dict):
        raise ValidationFailed({"token": BAD_LINK})
    return payload


def _password_fingerprint(user: User) -> str:
    """A short digest of the current password hash: a reset link dies once the password changes."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:32]


def _email_digest(email: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalize_email(email).encode(), hashlib.sha256).hexdigest()[:32]


def confirmation_token(user: User, email: str | None = None) -> str:
    """A signed token confirming that the reader of `email` (default: the user's) owns it; no address in it."""
    payload = {"uid": user.id, "e": _email_digest(email or user.email)}
    if email and email != user.email:
        payload["from"] = _email_digest(user.email)  # an email change: valid only while the old address is current
    return _serializer(CONFIRM_SALT).dumps(payload)


def reset_token(user: User) -> str:
    """A signed, single-use password-reset token bound to the current password hash."""
    return _serializer(RESET_SALT).dumps({"uid": user.id, "pw": _password_fingerprint(user)})


def _max_age(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


# --- mail ----------------------------------------------------------------------------------------

def _queue_confirmation(user: User, email: str | None = None) -> None:
    link = _link(CONFIRM_PATH, confirmation_token(user, email))
    hours = _max_age("EMAIL_CONFIRM_MAX_AGE", 172800) // 3600
    queue_email(
        email or user.email,
        "Confirm your email address",
        "Please confirm this email address for your Open Therapy Directory account by opening this link:\n\n"
        f"{link}\n\nThe link works for {hours} hours. If you did not ask for this, ignore this email.",
        kind="account.confirm" if not email or email == user.email else "account.change-email",
    )


def _queue_already_registered(user: User) -> None:
    queue_email(
        user.email,
        "Someone tried to register with your email address",
        "Someone (perhaps you) tried to create an Open Therapy Directory account with this email address, "
        "which already has an account.\n\nIf it was you and you have forgotten the password, reset it here:\n\n"
        f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/reset\n\nOtherwise you can ignore this email.",
        kind="account.exists",
    )


# --- operations ----------------------------------------------------------------------------------

def register(email: str, password: str, role: str = ROLE_PROVIDER, display_name: str = "") -> User | None:
    """Create an unconfirmed account and queue its confirmation link; a taken address gets a notice instead.

    Returns the new user, or None when the address already had an account (the caller must show
    the same page in both cases).
    """
    errors: dict[str, str] = {}
    try:
        email = _check_email(email)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        check_new_password(password)
    except ValidationFailed as error:
        errors.update(error.errors)
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = "Choose provider or referring clinician."
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)  # hashed for a taken address too, so both take as long
    existing = _user_by_email(email)
    if existing is not None:
        _queue_already_registered(existing)
        return None
    user = User(email=email, password_hash=password_hash, role=role, display_name=(display_name or "").strip()[:120],
                session_version=1)
    db.session.add(user)
    db.session.flush()
    _queue_confirmation(user)
    return user


def confirm_email(token: str, now: datetime | None = None) -> User:
    """Mark an address confirmed from a signed link; for an email change, switch to the new address."""
    payload = _load(token, CONFIRM_SALT, _max_age("EMAIL_CONFIRM_MAX_AGE", 172800), now)
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    digest = str(payload.get("e", ""))
    if user is None:
        raise ValidationFailed({"token": BAD_LINK})
    if "from" in payload:
        if hmac.compare_digest(digest, _email_digest(user.email)):
            return user  # already switched by this very link
        pending = user.pending_email
        if (not pending or not hmac.compare_digest(digest, _email_digest(pending))
                or not hmac.compare_digest(str(payload["from"]), _email_digest(user.email))):
            raise ValidationFailed({"token": BAD_LINK})
        other = _user_by_email(pending)
        if other is not None and other.id != user.id:
            raise Conflict("Another account now uses that email address.")
        old_email = user.email
        user.email, user.pending_email = pending, None
        user.email_confirmed_at = now or utcnow()
        queue_email(old_email, "Your email address was changed",
                    "The email address of your Open Therapy Directory account was changed to "
                    f"{pending}. If you did not do this, reset your password and write to us.",
                    kind="account.email-changed")
    else:
        if not hmac.compare_digest(digest, _email_digest(user.email)):
            raise ValidationFailed({"token": BAD_LINK})
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now or utcnow()
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    """The account for this email and password; one argon2 verification whether or not the address exists."""
    user = _user_by_email(email) if normalize_email(email) else None
    if user is None:
        _burn_verify(password or "")
        raise ValidationFailed({"password": WRONG_LOGIN})
    if not verify_password(user.password_hash, password or ""):
        raise ValidationFailed({"password": WRONG_LOGIN})
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        _queue_confirmation(user)
        raise ValidationFailed({"email": "Please confirm your email address first. We have sent you a new confirmation link."})
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link when the address has an account; otherwise do the same lookup and nothing else."""
    user = _user_by_email(email) if normalize_email(email) else None
    if user is None:
        return
    minutes = _max_age("PASSWORD_RESET_MAX_AGE", 3600) // 60
    queue_email(
        user.email,
        "Reset your password",
        "Someone (perhaps you) asked to reset the password of your Open Therapy Directory account. "
        f"Choose a new password here:\n\n{_link(RESET_PATH, reset_token(user))}\n\n"
        f"The link works once, for {minutes} minutes. If you did not ask for this, ignore this email; "
        "your password stays as it is.",
        kind="account.reset",
    )


def user_for_reset(token: str, now: datetime | None = None) -> User:
    """The account a reset link is for, if the link is genuine, fresh and unused."""
    payload = _load(token, RESET_SALT, _max_age("PASSWORD_RESET_MAX_AGE", 3600), now)
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    if user is None or not hmac.compare_digest(str(payload.get("pw", "")), _password_fingerprint(user)):
        raise ValidationFailed({"token": BAD_LINK})
    return user


def reset_password(token: str, new_password: str, now: datetime | None = None) -> User:
    """Set a new password from a reset link; the link and every existing session stop working."""
    user = user_for_reset(token, now)
    _set_password(user, check_new_password(new_password))
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or utcnow()  # the link reached that inbox, which confirms it
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Change the password after checking the current one; other sessions end."""
    if not verify_password(user.password_hash, current_password or ""):
        raise ValidationFailed({"current_password": "That is not your current password."})
    _set_password(user, check_new_password(new_password, "new_password"))
    db.session.flush()
    return user


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Send a confirmation link to the new address; the address changes only once it is opened."""
    if not verify_password(user.password_hash, password or ""):
        raise ValidationFailed({"password": "That is not your current password."})
    new_email = _check_email(new_email, "new_email")
    if new_email == user.email:
        raise ValidationFailed({"new_email": "That is already your email address."})
    other = _user_by_email(new_email)
    if other is not None:
        _queue_already_registered(other)  # no hint to the requester that the address is taken
        return
    user.pending_email = new_email
    db.session.flush()
    _queue_confirmation(user, new_email)


def create_admin(email: str, password: str, now: datetime | None = None) -> User:
    """A confirmed administrator account (for the command line)."""
    email = _check_email(email)
    check_new_password(password)
    if _user_by_email(email) is not None:
        raise Conflict(f"An account for {email} already exists.")
    user = User(email=email, password_hash=hash_password(password), role=ROLE_ADMIN, session_version=1,
                email_confirmed_at=now or utcnow())
    db.session.add(user)
    db.session.flush()
    return user


def user_from_session_id(session_id: str | None) -> User | None:
    """The user named by a session id "id:version", or None when it is malformed or stale."""
    user_id, _, version = (session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session of this user (logout, everywhere)."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def get_user(user_id: int) -> User:
    """A user by id."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such account.")
    return user
