"""Erasing what the directory must not keep: each area registers a purger, `flask purge` runs them all."""
from collections.abc import Callable
from datetime import datetime

from ..models import utcnow

# name -> function(now, config) returning how many rows it erased. Other areas add theirs with register_purger.
PURGERS: dict[str, Callable[[datetime, dict], int]] = {}


def register_purger(name: str, purger: Callable[[datetime, dict], int]) -> None:
    """Add a purger that `flask purge` runs."""
    PURGERS[name] = purger


def purge_expired(config, now: datetime | None = None) -> dict[str, int]:
    """Run every purger; returns rows erased per purger (the caller commits)."""
    now = now or utcnow()
    return {name: purger(now, config) for name, purger in PURGERS.items()}


def _purge_inquiries(now: datetime, config) -> int:
    from .inquiries import purge_old_inquiries

    return purge_old_inquiries(now, config)


register_purger("inquiries", _purge_inquiries)


def _purge_referrals(now: datetime, config) -> int:
    from .referrals import erase_patient_fields

    return erase_patient_fields(now, int(config.get("REFERRAL_ERASE_AFTER_DAYS", 180)))


register_purger("referrals", _purge_referrals)
