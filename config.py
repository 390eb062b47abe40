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

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
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
    # After this many days it sorts after confirmed listings at equal relevance.
    AVAILABILITY_SORT_LAST_DAYS = int(os.environ.get("AVAILABILITY_SORT_LAST_DAYS", "180"))
    AVAILABILITY_REMINDER_DAYS = int(os.environ.get("AVAILABILITY_REMINDER_DAYS", "30"))

    # Listings (provider self-service): emailed confirmation links, patient inquiries and their retention.
    AVAILABILITY_CONFIRM_LINK_DAYS = int(os.environ.get("AVAILABILITY_CONFIRM_LINK_DAYS", "14"))
    RATELIMIT_INQUIRY = os.environ.get("RATELIMIT_INQUIRY", "5 per hour")
    INQUIRY_RETENTION_DAYS = int(os.environ.get("INQUIRY_RETENTION_DAYS", "90"))

    # Strict-Transport-Security max-age; 0 sends none (development and tests are served over plain HTTP).
    HSTS_SECONDS = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_ENABLED = True

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True

    # Accounts: signed-link lifetimes (seconds) and rate limits on the sign-in pages (POSTs only).
    EMAIL_CONFIRM_MAX_AGE = int(os.environ.get("EMAIL_CONFIRM_MAX_AGE", str(48 * 3600)))
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", "3600"))
    PASSWORD_HASH_FAST = False  # tests only: argon2id with tiny cost parameters
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
    # erased this many days after a referral closes (`flask purge`).
    REFERRAL_EXPIRY_DAYS = int(os.environ.get("REFERRAL_EXPIRY_DAYS", "7"))
    REFERRAL_ERASE_AFTER_DAYS = int(os.environ.get("REFERRAL_ERASE_AFTER_DAYS", "180"))

    # Where links in emails point.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")


class DevelopmentConfig(Config):
    """Local development: debug on, outbox printed to the console."""

    DEBUG = True
    MAIL_TO_CONSOLE = True


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
    """Deployed: secure cookies, secret key required from the environment."""

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = True
    MAIL_TO_CONSOLE = False
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """Pick the configuration class named by APP_ENV (default: development)."""
    return CONFIGS.get(os.environ.get("APP_ENV", "development"), DevelopmentConfig)
