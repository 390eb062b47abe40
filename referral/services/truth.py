"""The directory's own truth, for admins: how many public listings are confirmed, answered and unreported.

Three shares, for the whole directory, by type of clinician, by state (a listing counts in each state it
has an office in) and week by week:
- confirmed: listings whose availability was confirmed within the stale window (AVAILABILITY_STALE_DAYS);
- answered within 3 days: of the messages (inquiries and referrals) that can be judged, those first
  answered within ANSWER_HOURS (an unanswered message is judged once older than that);
- reported: listings with at least one visitor's report not yet resolved.
Week by week, a listing counts as confirmed at a week's end when a confirmation (its audit log's, or its
latest) falls within the window before it; messages count in the week they were sent.
"""
import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models import ListingAudit, ListingReport, Office, Provider, ProviderType, utcnow
from ..models.types import UTCDateTime
from .listing_rules import public_clauses
from .reference_cache import reference_list
from .responsiveness import contacts_statement

ANSWER_HOURS = 72
WEEKS = 12
WINDOW_DAYS = 180  # messages looked at: the last half year
# The group of a listing whose type is missing (kept in English in the figures and the CSV; pages translate it).
UNKNOWN_TYPE = "Unknown"


@dataclass
class Tally:
    """One group's counts: listings, of them confirmed and reported; messages judged, of them answered in time."""

    listings: int = 0
    confirmed: int = 0
    reported: int = 0
    messages: int = 0
    answered: int = 0

    @staticmethod
    def share(part: int, whole: int) -> float | None:
        """part / whole as a percentage with one decimal, or None when there is nothing to divide."""
        return round(100 * part / whole, 1) if whole else None

    @property
    def confirmed_share(self) -> float | None:
        """Percentage of listings confirmed within the window."""
        return self.share(self.confirmed, self.listings)

    @property
    def answered_share(self) -> float | None:
        """Percentage of judged messages first answered within ANSWER_HOURS."""
        return self.share(self.answered, self.messages)

    @property
    def reported_share(self) -> float | None:
        """Percentage of listings with an open report."""
        return self.share(self.reported, self.listings)


@dataclass
class Truth:
    """The figures of the admin page and its CSV."""

    as_of: datetime
    stale_days: int
    overall: Tally
    by_type: dict[str, Tally] = field(default_factory=dict)
    by_state: dict[str, Tally] = field(default_factory=dict)
    weeks: list[tuple[datetime, Tally]] = field(default_factory=list)


def directory_truth(stale_days: int, now: datetime | None = None) -> Truth:
    """Compute every figure as of `now`."""
    now = now or utcnow()
    stale = timedelta(days=stale_days)
    listings = db.session.execute(
        select(Provider.id, Provider.provider_type_id, Provider.availability_confirmed_at, Provider.created_at)
        .where(*public_clauses())
    ).all()
    public = {row.id for row in listings}
    types = reference_list(ProviderType).by_id
    type_of = {row.id: (types[row.provider_type_id].name if row.provider_type_id in types else UNKNOWN_TYPE)
               for row in listings}
    states_of: dict[int, set[str]] = defaultdict(set)
    for provider_id, state in db.session.execute(select(Office.provider_id, Office.state).where(
            Office.provider_id.in_(select(Provider.id).where(*public_clauses())))):
        states_of[provider_id].add(state or "—")
    first_week_end = now - timedelta(weeks=WEEKS - 1)
    confirmations: dict[int, list[datetime]] = defaultdict(list)
    for row in listings:
        if row.availability_confirmed_at is not None:
            confirmations[row.id].append(row.availability_confirmed_at)
    for provider_id, at in db.session.execute(select(ListingAudit.provider_id, ListingAudit.created_at).where(
            ListingAudit.action == "confirm", ListingAudit.created_at >= first_week_end - stale)):
        if provider_id in public:
            confirmations[provider_id].append(at)
    reports = [(r.provider_id, r.created_at, r.resolved_at) for r in db.session.execute(
        select(ListingReport.provider_id, ListingReport.created_at, ListingReport.resolved_at)) if r.provider_id in public]
    messages = [(provider_id, sent_at, bool(answered), answered_at) for provider_id, sent_at, answered, answered_at
                in db.session.connection().execute(
                    contacts_statement(None, bindparam("window", type_=UTCDateTime)),
                    {"window": min(now - timedelta(days=WINDOW_DAYS), first_week_end - timedelta(weeks=1))})
                if provider_id in public]

    def groups(provider_id: int) -> list[tuple[dict, str]]:
        return [(by_type, type_of[provider_id])] + [(by_state, state) for state in sorted(states_of[provider_id])]

    overall, by_type, by_state = Tally(), defaultdict(Tally), defaultdict(Tally)
    open_reported = {provider_id for provider_id, _created, resolved in reports if resolved is None}
    for row in listings:
        confirmed = row.availability_confirmed_at is not None and row.availability_confirmed_at >= now - stale
        for tally in [overall] + [table[key] for table, key in groups(row.id)]:
            tally.listings += 1
            tally.confirmed += confirmed
            tally.reported += row.id in open_reported
    for provider_id, sent_at, answered, answered_at in messages:
        if sent_at < now - timedelta(days=WINDOW_DAYS):
            continue
        judged, in_time = _judged(sent_at, answered, answered_at, now)
        if judged:
            for tally in [overall] + [table[key] for table, key in groups(provider_id)]:
                tally.messages += 1
                tally.answered += in_time

    weeks = []
    for index in range(WEEKS):
        end = first_week_end + timedelta(weeks=index)
        tally = Tally()
        for row in listings:
            if row.created_at is not None and row.created_at > end:
                continue
            tally.listings += 1
            tally.confirmed += any(end - stale <= at <= end for at in confirmations.get(row.id, ()))
        tally.reported = len({provider_id for provider_id, created, resolved in reports
                              if created <= end and (resolved is None or resolved > end)})
        for _provider_id, sent_at, answered, answered_at in messages:
            if end - timedelta(weeks=1) < sent_at <= end:
                judged, in_time = _judged(sent_at, answered, answered_at, now)
                tally.messages += judged
                tally.answered += in_time
        weeks.append((end, tally))
    return Truth(now, stale_days, overall, dict(sorted(by_type.items())), dict(sorted(by_state.items())), weeks)


def _judged(sent_at: datetime, answered: bool, answered_at: datetime | None, now: datetime) -> tuple[bool, bool]:
    """Whether a message can be judged yet, and whether it was answered within ANSWER_HOURS."""
    in_time = answered and answered_at is not None and answered_at - sent_at <= timedelta(hours=ANSWER_HOURS)
    return bool(in_time or sent_at <= now - timedelta(hours=ANSWER_HOURS)), bool(in_time)


CSV_HEADER = ("section", "group", "listings", "confirmed", "confirmed_percent", "messages_judged",
              "answered_within_3_days", "answered_within_3_days_percent", "reported_unresolved",
              "reported_unresolved_percent")


def truth_csv(truth: Truth) -> str:
    """The same figures as CSV: the whole directory, each type, each state, each week (its end date)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    rows = [("directory", "all", truth.overall)]
    rows += [("type", name, tally) for name, tally in truth.by_type.items()]
    rows += [("state", name, tally) for name, tally in truth.by_state.items()]
    rows += [("week", end.date().isoformat(), tally) for end, tally in truth.weeks]
    for section, group, tally in rows:
        writer.writerow((section, group, tally.listings, tally.confirmed, _text(tally.confirmed_share), tally.messages,
                         tally.answered, _text(tally.answered_share), tally.reported, _text(tally.reported_share)))
    return out.getvalue()


def _text(share: float | None) -> str:
    return "" if share is None else f"{share:.1f}"
