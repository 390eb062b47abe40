"""Configuration classes, read from the environment. Imports nothing from the package."""
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _prepare_threshold(value: str) -> int | None:
    """A psycopg prepare threshold from the environment: a number, or none for never."""
    return None if value.strip().lower() in {"none", ""} else int(value)


def _database_url(default: str) -> str:
    url = os.environ.get("DATABASE_URL", default)
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants an explicit driver.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings shared by every environment."""

    # Signs sessions and emailed links. Production refuses to start without a strong one (referral/settings_check.py).
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = _database_url(f"sqlite:///{BASE_DIR / 'instance' / 'referral.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    # PostgreSQL: prepare each statement on its first run ("none" behind a transaction-pooling proxy).
    POSTGRES_PREPARE_THRESHOLD = _prepare_threshold(os.environ.get("POSTGRES_PREPARE_THRESHOLD", "0"))

    # Geocoding: "offline" (ZIP centroids from seed_data/geo) or "nominatim".
    GEOCODER = os.environ.get("GEOCODER", "offline")
    NOMINATIM_USER_AGENT = os.environ.get("NOMINATIM_USER_AGENT", "referral-directory")
    NOMINATIM_MIN_DELAY_SECONDS = float(os.environ.get("NOMINATIM_MIN_DELAY_SECONDS", "1.0"))

    SEARCH_DEFAULT_RADIUS_MILES = 25
    SEARCH_MAX_RADIUS_MILES = 100
    SEARCH_DEFAULT_PER_PAGE = 20
    SEARCH_MAX_PER_PAGE = 100
    # Reference lists are held per process; another process's change to them shows within this many seconds.
    REFERENCE_CACHE_SECONDS = float(os.environ.get("REFERENCE_CACHE_SECONDS", "60"))

    # Availability: after this many days unconfirmed a listing no longer counts as accepting.
    AVAILABILITY_STALE_DAYS = int(os.environ.get("AVAILABILITY_STALE_DAYS", "45"))
    AVAILABILITY_REMINDER_DAYS = int(os.environ.get("AVAILABILITY_REMINDER_DAYS", "30"))

    # Listings (provider self-service): emailed confirmation links, patient inquiries and their retention.
    AVAILABILITY_CONFIRM_LINK_DAYS = int(os.environ.get("AVAILABILITY_CONFIRM_LINK_DAYS", "14"))
    RATELIMIT_INQUIRY = os.environ.get("RATELIMIT_INQUIRY", "5 per hour")
    INQUIRY_RETENTION_DAYS = int(os.environ.get("INQUIRY_RETENTION_DAYS", "90"))
    # Responsiveness: figures over the messages of the last RESPONSIVENESS_WINDOW_DAYS (at most the last
    # RESPONSIVENESS_LAST of them), shown once RESPONSIVENESS_ENOUGH can be judged; UNANSWERED_LIMIT messages
    # unanswered for UNANSWERED_AFTER_DAYS since the listing's last answer stop it counting as accepting.
    RESPONSIVENESS_WINDOW_DAYS = int(os.environ.get("RESPONSIVENESS_WINDOW_DAYS", "180"))
    RESPONSIVENESS_LAST = int(os.environ.get("RESPONSIVENESS_LAST", "10"))
    RESPONSIVENESS_ENOUGH = int(os.environ.get("RESPONSIVENESS_ENOUGH", "3"))
    UNANSWERED_AFTER_DAYS = int(os.environ.get("UNANSWERED_AFTER_DAYS", "7"))
    UNANSWERED_LIMIT = int(os.environ.get("UNANSWERED_LIMIT", "3"))
    # "Did they get back to you?": asked this long after the inquiry; the address erased this long after it.
    FOLLOW_UP_AFTER_DAYS = int(os.environ.get("FOLLOW_UP_AFTER_DAYS", "7"))
    FOLLOW_UP_ERASE_DAYS = int(os.environ.get("FOLLOW_UP_ERASE_DAYS", "30"))
    # Reports of a wrong listing: per address, and how many independent ones of a kind mark it for review.
    RATELIMIT_REPORT = os.environ.get("RATELIMIT_REPORT", "5 per hour")
    # Search alerts asked for from one address (each sends a confirmation email).
    RATELIMIT_ALERT = os.environ.get("RATELIMIT_ALERT", "5 per hour")
    REPORTS_FOR_REVIEW = int(os.environ.get("REPORTS_FOR_REVIEW", "3"))

    # Strict-Transport-Security max-age; 0 sends none (development and tests are served over plain HTTP).
    HSTS_SECONDS = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True
    # Request bodies: the largest legitimate one is the listing editor with a photo of up to 2 MB
    # (services/photos.py) and fields well under 100 kB. The room above that lets a photo a little too large
    # reach the editor, which says so next to the field; anything larger is refused (413) before it is read.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    # Text in one multipart field, or a whole urlencoded form: the longest field, a 5,000-character statement,
    # is at most 20 kB.
    MAX_FORM_MEMORY_SIZE = 256 * 1024
    # Fields in one multipart form: the editor with every box ticked, ten offices and sixty licenses sends ~550.
    MAX_FORM_PARTS = 1000

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Keeps this directory's counters apart when several apps share one store.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True

    # Accounts: signed-link lifetimes (seconds) and rate limits on the sign-in pages (POSTs only).
    EMAIL_CONFIRM_MAX_AGE = int(os.environ.get("EMAIL_CONFIRM_MAX_AGE", str(48 * 3600)))
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    PASSWORD_HASH_FAST = False  # tests only: argon2id with tiny cost parameters
    # argon2id cost, measured with bench/password_hash.py: about 150 ms a check on one core of a 2-core
    # machine. One lane, so that one check holds one core; hashes made with other values are redone
    # at the next sign-in.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_KIB = int(os.environ.get("ARGON2_MEMORY_KIB", "65536"))
    ARGON2_PARALLELISM = int(os.environ.get("ARGON2_PARALLELISM", "1"))
    # At most this many argon2 computations at once on the machine (lock files shared by every worker
    # process): half the cores, so that a flood of sign-ins leaves the other half to searches.
    PASSWORD_CHECK_SLOTS = int(os.environ.get("PASSWORD_CHECK_SLOTS", str(max(1, (os.cpu_count() or 1) // 2))))
    # How long a check waits for a slot before the person is asked to try again (HTTP 429). None by default: a
    # sync worker that waits serves nobody else, and bench/sign_in_flood.py shows even 50 ms of waiting per
    # login letting a flood hold both workers of a 2-worker server.
    PASSWORD_CHECK_WAIT_SECONDS = float(os.environ.get("PASSWORD_CHECK_WAIT_SECONDS", "0"))
    # Where the slot lock files live (default: password-checks/ in the instance folder).
    PASSWORD_CHECK_LOCK_DIR = os.environ.get("PASSWORD_CHECK_LOCK_DIR", "")
    # Two-step sign-in: how long the code may take after the password, and the code form's rate limit.
    TWO_FACTOR_SIGN_IN_SECONDS = int(os.environ.get("TWO_FACTOR_SIGN_IN_SECONDS", "300"))
    RATELIMIT_TWO_FACTOR = os.environ.get("RATELIMIT_TWO_FACTOR", "10 per minute; 50 per hour")
    RATELIMIT_LOGIN = os.environ.get("RATELIMIT_LOGIN", "10 per minute; 50 per hour")
    RATELIMIT_REGISTER = os.environ.get("RATELIMIT_REGISTER", "5 per minute; 20 per hour")
    RATELIMIT_RESET = os.environ.get("RATELIMIT_RESET", "5 per minute; 20 per hour")
    # Mail outbox delivery: console in development, SMTP otherwise; failed sends retry with back-off.
    MAIL_TO_CONSOLE = _env_bool("MAIL_TO_CONSOLE", False)
    SMTP_SSL = _env_bool("SMTP_SSL", False)
    SMTP_TIMEOUT_SECONDS = float(os.environ.get("SMTP_TIMEOUT_SECONDS", "30"))
    MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS", "5"))

    MAIL_FROM = os.environ.get("MAIL_FROM", "directory@localhost")
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    # Referrals: copies unanswered this many days expire (`flask expire-referrals`); patient fields are
    # erased this many days after a referral's last activity, whatever its state (`flask purge`).
    REFERRAL_EXPIRY_DAYS = int(os.environ.get("REFERRAL_EXPIRY_DAYS", "7"))
    REFERRAL_ERASE_AFTER_DAYS = int(os.environ.get("REFERRAL_ERASE_AFTER_DAYS", "180"))

    # Where links in emails point.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")


class DevelopmentConfig(Config):
    """Local development: debug on, outbox printed to the console."""

    DEBUG = True
    MAIL_TO_CONSOLE = True
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")


class TestingConfig(Config):
    """The test suite: its own database, no rate limits unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "testing-secret"
    SQLALCHEMY_DATABASE_URI = _database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_TO_CONSOLE = False
    PASSWORD_HASH_FAST = True


class ProductionConfig(Config):
    """Deployed (the default): secure cookies, a strong secret key required from the environment."""

    DEBUG = False
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    # The __Host- prefix makes browsers refuse the cookie unless it is Secure, host-only and for every path,
    # so no subdomain or plain-HTTP page can set or overwrite the session. Without Secure it cannot be used.
    SESSION_COOKIE_NAME = "__Host-session" if SESSION_COOKIE_SECURE else "session"
    REMEMBER_COOKIE_SECURE = True
    MAIL_TO_CONSOLE = False
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by APP_ENV: production unless development or testing is asked for."""
    name = os.environ.get("APP_ENV", "production").strip().lower() or "production"
    if name not in CONFIGS:
        raise RuntimeError(f"APP_ENV={name!r} is not one of {', '.join(CONFIGS)}")
    return CONFIGS[name]
