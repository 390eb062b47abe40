"""Two-step sign-in: an authenticator app's time-based codes (TOTP, RFC 6238) and single-use recovery codes.

Setting up stores a new secret on the account; it counts only once a first code from the app confirms
it, which also makes ten recovery codes (shown once, stored as SHA-256 digests) and ends every other
session. A code is accepted within one 30-second step of the server's clock either way, and never
twice: the step of the last accepted code is kept, and claimed with a conditional UPDATE so that two
requests racing with one code cannot both win.

The secret is stored as it is, not encrypted: the key to decrypt it would sit in the same environment
as the database credentials, and the secret alone does not sign anyone in without the password.
"""
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from ..i18n import gettext as _, lazy_gettext as _l
from ..extensions import db
from ..models import ROLE_ADMIN, RecoveryCode, User, utcnow
from .accounts import WRONG_PASSWORD, password_matches
from .errors import Conflict, PermissionDenied, ValidationFailed

ISSUER = "Open Therapy Directory"
STEP_SECONDS = 30
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 16 characters of 31 (no 0/o, 1/l/i): about 79 bits, far beyond guessing, so a fast digest suffices.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_LENGTH = 16
_GROUP_LENGTH = 4
_TOTP_CODE = re.compile(r"^\d{6}$")

WRONG_CODE = _l("That code is not right. Enter the newest 6-digit code from your app, or one of your recovery codes.")
USED_CODE = _l("That code has been used already. Wait for the next code in your app and enter that one.")
NO_CODE = _l("Enter the 6-digit code from your app, or a recovery code.")


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _normalized(code: str | None) -> str:
    """A typed code without spaces or hyphens, lower-cased (apps show "123 456"; recovery codes have hyphens)."""
    return re.sub(r"[\s-]+", "", code or "").lower()


def _digest(recovery_code: str) -> str:
    return hashlib.sha256(_normalized(recovery_code).encode()).hexdigest()


def grouped(secret: str) -> str:
    """A secret or code in groups of four characters, easier to read and type."""
    return " ".join(secret[i:i + _GROUP_LENGTH] for i in range(0, len(secret), _GROUP_LENGTH))


# --- setting up ------------------------------------------------------------------------------------

def start_setup(user: User) -> str:
    """The secret the user adds to an authenticator app: the one waiting for confirmation, or a new one."""
    if user.has_second_factor:
        raise Conflict(_("Two-step sign-in is already on for this account."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32()
        db.session.flush()
    return user.totp_secret


def setup_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code (the email names the account in the app)."""
    if not user.totp_secret or user.has_second_factor:
        raise Conflict(_("Start setting up two-step sign-in first."))
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def confirm_setup(user: User, code: str | None, now: datetime | None = None) -> list[str]:
    """Turn two-step sign-in on with a first code from the app; returns the recovery codes (shown once).

    Every other session of the account ends; the caller starts this one afresh.
    """
    if user.has_second_factor:
        raise Conflict(_("Two-step sign-in is already on for this account."))
    if not user.totp_secret:
        raise Conflict(_("Start setting up two-step sign-in first."))
    now = _now(now)
    step = _matching_step(user.totp_secret, _normalized(code), now)
    if step is None:
        raise ValidationFailed({"code": _("That code is not right. Check that the app shows this account, "
                                          "and enter its newest 6-digit code.")})
    user.totp_confirmed_at = now
    user.totp_last_step = step
    user.session_version = (user.session_version or 1) + 1
    codes = _new_recovery_codes(user)
    db.session.flush()
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_digest=_digest(code)) for code in codes)
    return ["-".join(grouped(code).split()) for code in codes]


def recovery_codes_left(user: User) -> int:
    """How many of the account's recovery codes are still unused."""
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --- signing in ------------------------------------------------------------------------------------

def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step, within the allowed drift of now, whose code this is; None when it is none of them."""
    if not _TOTP_CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = _step(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step  # no early return: every candidate is compared, whichever matches
    return found


def _claim_step(user: User, step: int) -> bool:
    """Record `step` as the last one used, unless a code of that step or a later one was accepted already."""
    claimed = db.session.execute(
        update(User).where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)
    ).rowcount
    if claimed:
        set_committed_value(user, "totp_last_step", step)  # already stored: nothing more to write
    return bool(claimed)


def _use_recovery_code(user: User, code: str, now: datetime) -> bool:
    """Spend one unused recovery code of the account; False when the code is not one of them."""
    found = db.session.scalar(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_digest == _digest(code), RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    spent = db.session.execute(
        update(RecoveryCode).where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    ).rowcount
    return bool(spent)


def check_code(user: User, code: str | None, now: datetime | None = None, field: str = "code") -> str:
    """Accept an authenticator code (once) or an unused recovery code (spent); returns "app" or "recovery".

    ValidationFailed, naming `field`, for anything else.
    """
    if not user.has_second_factor:
        raise Conflict(_("Two-step sign-in is not on for this account."))
    typed = _normalized(code)
    if not typed:
        raise ValidationFailed({field: NO_CODE})
    now = _now(now)
    if _TOTP_CODE.match(typed):
        step = _matching_step(user.totp_secret, typed, now)
        if step is None:
            raise ValidationFailed({field: WRONG_CODE})
        if not _claim_step(user, step):
            raise ValidationFailed({field: USED_CODE})
        return "app"
    if len(typed) > 64 or not _use_recovery_code(user, typed, now):
        raise ValidationFailed({field: WRONG_CODE})
    return "recovery"


# --- turning off -----------------------------------------------------------------------------------

def turn_off(user: User, password: str | None, code: str | None, now: datetime | None = None) -> None:
    """Turn two-step sign-in off, with the password and a code; administrators cannot turn theirs off."""
    if user.role == ROLE_ADMIN:
        raise PermissionDenied(_("Administrators must keep two-step sign-in on."))
    if not user.has_second_factor:
        raise Conflict(_("Two-step sign-in is not on for this account."))
    if not password_matches(user, password):
        raise ValidationFailed({"password": WRONG_PASSWORD})
    check_code(user, code, now)
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
