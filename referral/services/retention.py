"""Erasing what the directory must not keep: each area registers a purger, `flask purge` runs them all."""
from collections.abc import Callable
from datetime import datetime

from ..models import utcnow
from .batch import BatchReport, for_each_row

# name -> function(now, config) returning how many rows it erased, or a BatchReport when it works row by row
# (and so can report rows that failed). Other areas add theirs with register_purger.
PURGERS: dict[str, Callable[[datetime, dict], int | BatchReport]] = {}


def register_purger(name: str, purger: Callable[[datetime, dict], int | BatchReport]) -> None:
    """Add a purger that `flask purge` runs."""
    PURGERS[name] = purger


def purge_expired(config, now: datetime | None = None) -> dict[str, BatchReport]:
    """Run every purger, each in a savepoint of its own; returns each one's report (the caller commits).

    A purger that raises as a whole is undone and reported as the failed row "purger <name>"; the others go on.
    """
    now = now or utcnow()
    reports: dict[str, BatchReport] = {}

    def run(name: str) -> bool:
        result = PURGERS[name](now, config)
        reports[name] = result if isinstance(result, BatchReport) else BatchReport(done=result)
        return True

    for failure in for_each_row("purger", list(PURGERS), run).failures:
        reports[failure.row_id] = BatchReport(failures=[failure])
    return {name: reports[name] for name in PURGERS}


def _purge_inquiries(now: datetime, config) -> int:
    from .inquiries import purge_old_inquiries

    return purge_old_inquiries(now, config)


register_purger("inquiries", _purge_inquiries)


def _purge_referrals(now: datetime, config) -> BatchReport:
    from .referrals import erase_patient_fields

    return erase_patient_fields(now, int(config.get("REFERRAL_ERASE_AFTER_DAYS", 180)))


register_purger("referrals", _purge_referrals)


def _purge_follow_ups(now: datetime, config) -> int:
    from .follow_ups import erase_lapsed_follow_ups

    return erase_lapsed_follow_ups(now, config)


register_purger("follow_ups", _purge_follow_ups)


def _purge_alerts(now: datetime, config) -> int:
    from .alerts import purge_alerts

    return purge_alerts(now, config)


register_purger("search_alerts", _purge_alerts)
