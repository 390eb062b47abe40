"""Visitors' reports that a listing is wrong: taken without an account, queued for admins, told to the owner.

Reports of one kind from REPORTS_FOR_REVIEW different places (a keyed hash of the sender's address, so that
one person cannot make a listing look disputed and no address is kept) mark the listing for review: it
then shows a caution until an admin resolves its reports.
"""
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..i18n import gettext as _, in_language, link_in, translated
from ..models import (
    NOTICE_REPORT,
    REPORT_KINDS,
    REPORT_OPEN,
    REPORT_RESOLVED,
    ListingReport,
    OwnerNotice,
    Provider,
    User,
    utcnow,
)
from .audit import record_change
from .errors import NotFound, PermissionDenied, ValidationFailed
from .listing_history import HistoryEntry, history_for
from .listing_rules import is_public
from .mail import queue_email

MAX_NOTE = 1000
# At most one email a day tells an owner about reports, however many arrive.
OWNER_NOTICE_EVERY = timedelta(days=1)


def reports_for_review(config) -> int:
    """How many independent reports of one kind mark a listing for review."""
    return int(config.get("REPORTS_FOR_REVIEW", 3))


def kind_label(kind: str) -> str:
    """How a visitor reads a kind of problem, in the current language."""
    return str(translated(REPORT_KINDS[kind]))


def reporter_key(secret_key: str, address: str) -> str:
    """A keyed hash of where a report came from: tells reporters apart without keeping the address."""
    return hmac.new(secret_key.encode(), f"report:{address}".encode(), hashlib.sha256).hexdigest()


def submit_report(provider_id: int, data: dict, *, reporter: str, dashboard_url: str | dict[str, str],
                  now: datetime | None = None) -> ListingReport | None:
    """Store a report about a public listing and tell its owner; None when the honeypot was filled.

    `reporter` is reporter_key of the sender. The owner's email says which kind of problem was reported,
    never the note (which may name the person who wrote it); it is in the owner's language, and so is its link where
    `dashboard_url` maps languages to URLs.
    """
    provider = db.session.get(Provider, provider_id)
    if provider is None or not is_public(provider):
        raise NotFound(_("No such provider in the directory."))
    if (data.get("honeypot") or "").strip():
        return None  # a bot: answer as if sent, store nothing
    now = now or utcnow()
    kind = data.get("kind") or ""
    note = str(data.get("note") or "").replace("\r\n", "\n").strip()
    errors = {}
    if kind not in REPORT_KINDS:
        errors["kind"] = _("Choose what is wrong with this listing.")
    if len(note) > MAX_NOTE:
        errors["note"] = _("Keep the note under %(limit)d characters.", limit=MAX_NOTE)
    elif kind == "other" and not note:
        errors["note"] = _("Say briefly what is wrong.")
    if errors:
        raise ValidationFailed(errors)
    report = ListingReport(provider_id=provider.id, kind=kind, note=note, reporter_key=reporter, created_at=now)
    db.session.add(report)
    if provider.owner_id is not None and not _noticed_since(provider.id, now - OWNER_NOTICE_EVERY):
        owner = db.session.get(User, provider.owner_id)
        with in_language(owner.language):
            queue_email(
                owner.email, _("Someone reported that your listing may be wrong"),
                _("A visitor reported a problem with your listing (%(name)s): %(problem)s.", name=provider.name,
                  problem=kind_label(kind).lower()) + "\n\n"
                + _("Please check it and update it if needed: %(url)s", url=link_in(dashboard_url, owner.language))
                + "\n\n"
                + _("An administrator will look at the report too. If the listing is right, you do not need to do "
                    "anything.") + "\n",
                kind="report.owner",
            )
        db.session.add(OwnerNotice(provider_id=provider.id, kind=NOTICE_REPORT, sent_at=now))
    db.session.flush()
    return report


def _noticed_since(provider_id: int, since: datetime) -> bool:
    return db.session.scalar(select(func.count()).select_from(OwnerNotice).where(
        OwnerNotice.provider_id == provider_id, OwnerNotice.kind == NOTICE_REPORT, OwnerNotice.sent_at >= since)) > 0


def _independent_counts(provider_ids: list[int]) -> dict[int, dict[str, int]]:
    """Open reports per listing and kind, counting each reporter once."""
    counts: dict[int, dict[str, int]] = {provider_id: {} for provider_id in provider_ids}
    if not provider_ids:
        return counts
    rows = db.session.execute(
        select(ListingReport.provider_id, ListingReport.kind, func.count(func.distinct(ListingReport.reporter_key)))
        .where(ListingReport.provider_id.in_(provider_ids), ListingReport.status == REPORT_OPEN)
        .group_by(ListingReport.provider_id, ListingReport.kind)
    )
    for provider_id, kind, count in rows:
        counts[provider_id][kind] = count
    return counts


def disputed_kinds(provider_id: int, config) -> list[str]:
    """The labels of the kinds of problem enough independent open reports name: the listing's caution."""
    needed = reports_for_review(config)
    counts = _independent_counts([provider_id])[provider_id]
    return [kind_label(kind) for kind in REPORT_KINDS if counts.get(kind, 0) >= needed]


def open_report_counts(provider_ids: list[int]) -> dict[int, dict[str, int]]:
    """Open reports per listing, by kind label (every id present): what an owner sees on the dashboard."""
    counts = _independent_counts(provider_ids)
    return {provider_id: {kind_label(kind): count for kind, count in by_kind.items() if kind in REPORT_KINDS}
            for provider_id, by_kind in counts.items()}


@dataclass
class QueuedListing:
    """A listing with open reports, as the admin queue shows it: the reports, the kinds for review, its history."""

    provider: Provider
    reports: list[ListingReport]
    for_review: list[str]
    history: list[HistoryEntry]

    @property
    def oldest(self) -> datetime:
        """When its oldest open report arrived."""
        return min(report.created_at for report in self.reports)


def report_queue(admin: User, config) -> list[QueuedListing]:
    """Listings with open reports, those marked for review first, then oldest report first."""
    _require_admin(admin)
    reports = db.session.scalars(
        select(ListingReport).where(ListingReport.status == REPORT_OPEN)
        .order_by(ListingReport.created_at, ListingReport.id)
    ).all()
    by_listing: dict[int, list[ListingReport]] = {}
    for report in reports:
        by_listing.setdefault(report.provider_id, []).append(report)
    counts = _independent_counts(list(by_listing))
    needed = reports_for_review(config)
    queue = []
    for provider_id, listing_reports in by_listing.items():
        provider, history = history_for(admin, provider_id)
        for_review = [kind_label(kind) for kind, count in counts[provider_id].items()
                      if count >= needed and kind in REPORT_KINDS]
        queue.append(QueuedListing(provider, listing_reports, for_review, history[:10]))
    queue.sort(key=lambda item: (not item.for_review, item.oldest))
    return queue


def resolve_reports(admin: User, provider_id: int, now: datetime | None = None) -> int:
    """Close every open report of a listing (lifting its caution), noted in its history; returns how many."""
    _require_admin(admin)
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound(_("No such listing."))
    now = now or utcnow()
    reports = db.session.scalars(select(ListingReport).where(
        ListingReport.provider_id == provider_id, ListingReport.status == REPORT_OPEN)).all()
    if not reports:
        return 0
    for report in reports:
        report.status = REPORT_RESOLVED
        report.resolved_at = now
        report.resolved_by_id = admin.id
        report.reporter_key = ""
    record_change(provider, admin, "reports_resolved", {"open_reports": (len(reports), 0)}, now)
    db.session.flush()
    return len(reports)


def _require_admin(user: User | None) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_admin:
        raise PermissionDenied(_("Only administrators handle reports."))
