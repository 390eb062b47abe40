"""Settings production refuses to start with: a guessable secret key, or rate limits each worker counts alone."""
import math
import os
import string

# Keys that are public (in this repository or in examples people copy) sign nothing in production.
PUBLIC_KEYS = frozenset({"dev-only-secret-change-me", "testing-secret", "change-me", "changeme", "secret", "dev"})
# Estimated from the key's length and the alphabet it draws on: secrets.token_urlsafe(32) gives 258 bits,
# token_hex(16) 128.
MIN_SECRET_KEY_BITS = 128
MIN_SECRET_KEY_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 8
_HEX = frozenset(string.hexdigits.lower())
_ALPHABETS = ((frozenset(string.digits), 10), (frozenset(string.ascii_lowercase), 26),
              (frozenset(string.ascii_uppercase), 26))


def _alphabet_size(text: str) -> int:
    """How many characters a key like `text` is drawn from: hex, or the classes of characters it uses."""
    if set(text) <= _HEX:
        return 16
    size = sum(count for alphabet, count in _ALPHABETS if alphabet & set(text))
    return size + (33 if any(not char.isalnum() for char in text) else 0)


class UnsafeSettings(RuntimeError):
    """Production was asked to start with settings that would make it unsafe."""


def secret_key_problem(key: str | bytes | None) -> str | None:
    """Why `key` cannot sign production sessions, or None when it is long and varied enough."""
    if not key:
        return "SECRET_KEY is not set"
    text = key.decode("latin-1") if isinstance(key, bytes) else key
    if text in PUBLIC_KEYS:
        return "SECRET_KEY is a published development value"
    if len(text) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY has {len(text)} characters; it needs at least {MIN_SECRET_KEY_LENGTH}"
    if len(set(text)) < MIN_DISTINCT_CHARACTERS or len(text) * math.log2(_alphabet_size(text)) < MIN_SECRET_KEY_BITS:
        return "SECRET_KEY repeats too few characters to be hard to guess"
    return None


def rate_limit_problem(storage_uri: str, workers: int) -> str | None:
    """Why the rate-limit storage cannot serve `workers` processes, or None."""
    if workers > 1 and storage_uri.startswith("memory://"):
        return (f"{workers} workers serve, but RATELIMIT_STORAGE_URI is memory://: each worker would allow the whole "
                "limit. Set it to a shared store, for example redis://127.0.0.1:6379")
    return None


def serving_workers(config) -> int:
    """How many processes serve requests: SERVER_WORKERS if set, else WEB_CONCURRENCY (gunicorn.conf.py exports
    its worker count there before the workers start), else one."""
    return int(config.get("SERVER_WORKERS") or os.environ.get("WEB_CONCURRENCY") or 1)


def check_production_settings(config) -> None:
    """Raise UnsafeSettings naming every problem when a production app would start unsafe."""
    key_problem = secret_key_problem(config.get("SECRET_KEY"))
    storage_problem = rate_limit_problem(config.get("RATELIMIT_STORAGE_URI", "memory://"), serving_workers(config))
    if key_problem:
        key_problem += " (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))')"
    problems = [problem for problem in (key_problem, storage_problem) if problem]
    if problems:
        raise UnsafeSettings("Refusing to start in production: " + "; ".join(problems))
