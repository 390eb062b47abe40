"""Accounts: registration, email confirmation, sign-in, password reset and change, email change.

Known and unknown email addresses get the same answer and the same shape of work: sign-in always
verifies one argon2 hash (a dummy one for an unknown address), registration always hashes the
password and writes one outbox row (to the existing owner when the address is taken), and a reset
request does one lookup and queues mail only for a real account; mail is sent later by the outbox,
never while the person waits. Every argon2 computation holds a password-check slot
(services/password_slots.py), so a flood of them cannot take every core.
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
from zxcvbn import zxcvbn

from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, gettext as _, in_language, language_or_default, lazy_gettext as _l, ngettext, site_root
from ..models import ROLE_ADMIN, ROLE_PROVIDER, ROLE_REFERRER, User, utcnow
from .errors import Conflict, NotFound, ValidationFailed
from .mail import queue_email
from .password_slots import password_check_slot

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # argon2 copes with more; this only bounds the work one request can cause
# zxcvbn's scale runs 0-4; 3 means "safely unguessable" (at least 10^8 guesses), which with argon2's cost
# puts an offline attack on one hash out of reach, while leaving room for passphrases people remember.
MIN_PASSWORD_SCORE = 3
_STRENGTH_CHARACTERS = 72  # zxcvbn refuses longer input; characters after these only add strength
# Words anyone would try first against an account here.
_SITE_WORDS = ("open therapy directory", "opentherapydirectory", "therapy", "therapist", "directory")
SELF_SERVICE_ROLES = (ROLE_PROVIDER, ROLE_REFERRER)
ROLE_NAMES = {ROLE_PROVIDER: _l("provider"), ROLE_REFERRER: _l("referring clinician"),
              ROLE_ADMIN: _l("administrator")}

CONFIRM_SALT = "account.confirm-email"
RESET_SALT = "account.reset-password"
CONFIRM_PATH = "/confirm/"
RESET_PATH = "/reset/"

WRONG_LOGIN = _l("That email and password do not match an account.")
WRONG_PASSWORD = _l("That is not your current password.")
BAD_LINK = _l("This link is not valid. It may have expired or been used already; ask for a new one.")

# zxcvbn's feedback comes in English only: each of its sentences (zxcvbn/feedback.py) as a message of ours.
# A sentence missing here (a later zxcvbn) is left out, and the general advice stands in for it.
_STRENGTH_FEEDBACK = {
    "Use a few words, avoid common phrases.": _l("Use a few words, avoid common phrases."),
    "No need for symbols, digits, or uppercase letters.": _l("No need for symbols, digits, or uppercase letters."),
    "Add another word or two. Uncommon words are better.": _l("Add another word or two. Uncommon words are better."),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    "Use a longer keyboard pattern with more turns.": _l("Use a longer keyboard pattern with more turns."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    "Avoid repeated words and characters.": _l("Avoid repeated words and characters."),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Avoid sequences.": _l("Avoid sequences."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Avoid recent years.": _l("Avoid recent years."),
    "Avoid years that are associated with you.": _l("Avoid years that are associated with you."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "Avoid dates and years that are associated with you.": _l("Avoid dates and years that are associated with you."),
    "This is a top-10 common password.": _l("This is a top-10 common password."),
    "This is a top-100 common password.": _l("This is a top-100 common password."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
    "Capitalization doesn't help very much.": _l("Capitalization doesn't help very much."),
    "All-uppercase is almost as easy to guess as all-lowercase.":
        _l("All-uppercase is almost as easy to guess as all-lowercase."),
    "Reversed words aren't much harder to guess.": _l("Reversed words aren't much harder to guess."),
    "Predictable substitutions like '@' instead of 'a' don't help very much.":
        _l("Predictable substitutions like '@' instead of 'a' don't help very much."),
}

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --- password hashing -------------------------------------------------------------------------

@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def _hasher() -> PasswordHasher:
    config = current_app.config
    if config.get("PASSWORD_HASH_FAST"):
        # Tests only: still argon2id, with tiny cost parameters.
        return _hasher_for(1, 8, 1)
    return _hasher_for(int(config["ARGON2_TIME_COST"]), int(config["ARGON2_MEMORY_KIB"]),
                       int(config["ARGON2_PARALLELISM"]))


@lru_cache(maxsize=4)
def _dummy_hash_for(hasher: PasswordHasher) -> str:
    return hasher.hash("not a password anyone has: timing equaliser")


def _matches(password_hash: str, password: str) -> bool:
    """Whether the password matches the hash; the caller holds a password-check slot."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_password(password: str, field: str = "password") -> str:
    """An argon2id hash of a password (PasswordChecksBusy, naming `field`, when no slot is free)."""
    with password_check_slot(field):
        return _hasher().hash(password)


def verify_password(password_hash: str, password: str, field: str = "password") -> bool:
    """Whether the password matches the stored hash (PasswordChecksBusy, naming `field`, when no slot is free)."""
    with password_check_slot(field):
        return _matches(password_hash, password)


def _end_read_before_password_check() -> None:
    """End the request's transaction before a slow password check, so that it holds no database lock meanwhile
    (a POST's transaction on SQLite holds the write lock). Nothing has been changed at that point."""
    db.session.commit()


def password_matches(user: User, password: str | None, field: str = "password") -> bool:
    """Whether `password` is the user's current one, checked outside any database transaction and in a slot."""
    stored_hash = user.password_hash
    _end_read_before_password_check()
    return verify_password(stored_hash, password or "", field)


def _set_password(user: User, password: str, field: str = "password") -> None:
    user.password_hash = hash_password(password, field)
    user.session_version = (user.session_version or 1) + 1


# --- validation --------------------------------------------------------------------------------

def normalize_email(email: str | None) -> str:
    """An email address as stored: trimmed and lower-cased."""
    return (email or "").strip().lower()


def _check_email(email: str, field: str = "email") -> str:
    email = normalize_email(email)
    if not email:
        raise ValidationFailed({field: _("Enter your email address.")})
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise ValidationFailed({field: _("Enter an email address like name@example.org.")})
    return email


def _own_details(email: str, display_name: str) -> list[str]:
    """The email address, its two parts and the name, whole and word by word, lower-cased: what others know."""
    email = normalize_email(email)
    local_part, _, domain = email.partition("@")
    name = (display_name or "").strip().lower()
    details = [email, local_part, re.sub(r"[\W_]+", "", local_part), domain, name, re.sub(r"[\W_]+", "", name)]
    domain_labels = domain.split(".")[:-1]  # a top-level domain (".org") says nothing about the person
    details += re.split(r"[\W_]+", local_part) + domain_labels + re.split(r"[\W_]+", name)
    return [detail for detail in dict.fromkeys(details) if len(detail) >= 3]


def _without_details(password: str, details: list[str]) -> str:
    """The password, lower-cased, with every occurrence of the account's own details taken out."""
    rest = password.lower()
    for detail in sorted(details, key=len, reverse=True):
        rest = rest.replace(detail, " ")
    return " ".join(rest.split())


def _strength_feedback(sentence: str | None) -> str:
    """One of zxcvbn's sentences in the reader's language; "" for none, or for one we have no message for."""
    message = _STRENGTH_FEEDBACK.get(sentence or "")
    return str(message) if message is not None else ""


def _weak_password_message(result: dict, uses_own_details: bool) -> str:
    """Why a password was refused, in zxcvbn's words where it has them, and what to do instead."""
    feedback = result.get("feedback") or {}
    own = _("It is built from your email address or name, which others can find out.") if uses_own_details else ""
    advice = (_strength_feedback(next(iter(feedback.get("suggestions") or []), ""))
              or _("Add another word or two. Uncommon words are better."))
    return " ".join(part for part in (_("This password would be easy to guess."), own,
                                      _strength_feedback(feedback.get("warning")), advice) if part)


def check_new_password(password: str | None, field: str = "password", *, email: str = "",
                       display_name: str = "") -> str:
    """Refuse a password that is too short, absurdly long, or easy to guess for someone who knows the
    account's email address and name (zxcvbn score below MIN_PASSWORD_SCORE); return the password."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed({field: _("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)})
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed({field: _("Use at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)})
    details = _own_details(email, display_name)
    inputs = details + list(_SITE_WORDS)
    judged = password[:_STRENGTH_CHARACTERS]
    result = zxcvbn(judged, user_inputs=inputs)
    uses_own_details = any(match.get("dictionary_name") == "user_inputs" and match.get("matched_word") in details
                           for match in result.get("sequence", []))
    if any(detail in judged.lower() for detail in details):
        uses_own_details = True
        rest = _without_details(judged, details)
        rest_result = zxcvbn(rest, user_inputs=inputs) if rest else {"score": 0, "feedback": {}}
        if rest_result["score"] < result["score"]:
            result = rest_result
    if result["score"] < MIN_PASSWORD_SCORE:
        raise ValidationFailed({field: _weak_password_message(result, uses_own_details)})
    return password


def _user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalize_email(email))).first()  # stored lower-cased


# --- signed links --------------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _site(language: str | None) -> str:
    """The site's root for a reader of this language."""
    return site_root(current_app.config["PUBLIC_BASE_URL"], language)


def _link(path: str, token: str, language: str | None = None) -> str:
    return _site(language) + path + token


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

# Each email is written in the language of the account it goes to (user.language).

def _queue_confirmation(user: User, email: str | None = None) -> None:
    link = _link(CONFIRM_PATH, confirmation_token(user, email), user.language)
    hours = _max_age("EMAIL_CONFIRM_MAX_AGE", 172800) // 3600
    with in_language(user.language):
        queue_email(
            email or user.email,
            _("Confirm your email address"),
            ngettext("Please confirm this email address for your Open Therapy Directory account by opening this "
                     "link:\n\n%(link)s\n\nThe link works for %(num)d hour. If you did not ask for this, ignore "
                     "this email.",
                     "Please confirm this email address for your Open Therapy Directory account by opening this "
                     "link:\n\n%(link)s\n\nThe link works for %(num)d hours. If you did not ask for this, ignore "
                     "this email.", hours, link=link),
            kind="account.confirm" if not email or email == user.email else "account.change-email",
        )


def _queue_already_registered(user: User) -> None:
    with in_language(user.language):
        queue_email(
            user.email,
            _("Someone tried to register with your email address"),
            _("Someone (perhaps you) tried to create an Open Therapy Directory account with this email address, "
              "which already has an account.\n\nIf it was you and you have forgotten the password, reset it "
              "here:\n\n%(link)s\n\nOtherwise you can ignore this email.", link=_site(user.language) + "/reset"),
            kind="account.exists",
        )


# --- operations ----------------------------------------------------------------------------------

def register(email: str, password: str, role: str = ROLE_PROVIDER, display_name: str = "",
             language: str = DEFAULT_LANGUAGE) -> User | None:
    """Create an unconfirmed account and queue its confirmation link; a taken address gets a notice instead.

    `language` is the one the person registered in: their emails are written in it.

    Returns the new user, or None when the address already had an account (the caller must show
    the same page in both cases).
    """
    errors: dict[str, str] = {}
    try:
        email = _check_email(email)
    except ValidationFailed as error:
        errors.update(error.errors)
    try:
        check_new_password(password, email=email, display_name=display_name)
    except ValidationFailed as error:
        errors.update(error.errors)
    if role not in SELF_SERVICE_ROLES:
        errors["role"] = _("Choose provider or referring clinician.")
    if errors:
        raise ValidationFailed(errors)
    password_hash = hash_password(password)  # hashed for a taken address too, so both take as long
    existing = _user_by_email(email)
    if existing is not None:
        _queue_already_registered(existing)
        return None
    user = User(email=email, password_hash=password_hash, role=role, display_name=(display_name or "").strip()[:120],
                session_version=1, language=language_or_default(language))
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
            raise Conflict(_("Another account now uses that email address."))
        old_email = user.email
        user.email, user.pending_email = pending, None
        user.email_confirmed_at = now or utcnow()
        with in_language(user.language):
            queue_email(old_email, _("Your email address was changed"),
                        _("The email address of your Open Therapy Directory account was changed to %(email)s. If you "
                          "did not do this, reset your password and write to us.", email=pending),
                        kind="account.email-changed")
    else:
        if not hmac.compare_digest(digest, _email_digest(user.email)):
            raise ValidationFailed({"token": BAD_LINK})
        if user.email_confirmed_at is None:
            user.email_confirmed_at = now or utcnow()
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    """The account for this email and password; one argon2 verification whether or not the address exists.

    A hash made with other cost parameters than the configured ones is redone with them, in the same slot.
    """
    user = _user_by_email(email) if normalize_email(email) else None
    stored_hash = user.password_hash if user is not None else None
    _end_read_before_password_check()
    with password_check_slot("password"):
        # An unknown address is checked against a dummy hash: it costs what a known one does.
        if not _matches(stored_hash or _dummy_hash_for(_hasher()), password or "") or user is None:
            raise ValidationFailed({"password": WRONG_LOGIN})
        if _hasher().check_needs_rehash(stored_hash):
            user.password_hash = _hasher().hash(password)
    if user.email_confirmed_at is None:
        _queue_confirmation(user)
        raise ValidationFailed({"email": _("Please confirm your email address first. We have sent you a new "
                                           "confirmation link.")})
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset link when the address has an account; otherwise do the same lookup and nothing else."""
    user = _user_by_email(email) if normalize_email(email) else None
    if user is None:
        return
    minutes = _max_age("PASSWORD_RESET_MAX_AGE", 3600) // 60
    link = _link(RESET_PATH, reset_token(user), user.language)
    with in_language(user.language):
        queue_email(
            user.email,
            _("Reset your password"),
            ngettext("Someone (perhaps you) asked to reset the password of your Open Therapy Directory account. "
                     "Choose a new password here:\n\n%(link)s\n\nThe link works once, for %(num)d minute. If you "
                     "did not ask for this, ignore this email; your password stays as it is.",
                     "Someone (perhaps you) asked to reset the password of your Open Therapy Directory account. "
                     "Choose a new password here:\n\n%(link)s\n\nThe link works once, for %(num)d minutes. If you "
                     "did not ask for this, ignore this email; your password stays as it is.", minutes, link=link),
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
    new_password = check_new_password(new_password, email=user.email, display_name=user.display_name)
    _end_read_before_password_check()
    _set_password(user, new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = now or utcnow()  # the link reached that inbox, which confirms it
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> User:
    """Change the password after checking the current one; other sessions end."""
    email, display_name = user.email, user.display_name
    if not password_matches(user, current_password, "current_password"):
        raise ValidationFailed({"current_password": WRONG_PASSWORD})
    new_password = check_new_password(new_password, "new_password", email=email, display_name=display_name)
    _set_password(user, new_password, "new_password")
    db.session.flush()
    return user


def request_email_change(user: User, password: str, new_email: str) -> None:
    """Send a confirmation link to the new address; the address changes only once it is opened."""
    if not password_matches(user, password):
        raise ValidationFailed({"password": WRONG_PASSWORD})
    new_email = _check_email(new_email, "new_email")
    if new_email == user.email:
        raise ValidationFailed({"new_email": _("That is already your email address.")})
    other = _user_by_email(new_email)
    if other is not None:
        _queue_already_registered(other)  # no hint to the requester that the address is taken
        return
    user.pending_email = new_email
    db.session.flush()
    _queue_confirmation(user, new_email)


def create_admin(email: str, password: str, now: datetime | None = None) -> User:
    """A confirmed administrator account (for the command line); it sets up its second factor at first sign-in."""
    email = _check_email(email)
    check_new_password(password, email=email)
    if _user_by_email(email) is not None:
        raise Conflict(_("An account for %(email)s already exists.", email=email))
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
        raise NotFound(_("No such account."))
    return user
