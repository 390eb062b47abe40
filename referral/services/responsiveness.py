"""How a listing answers the people who write to it, measured from what happens to their messages.

A message is an inquiry (kept as an InquiryRecord, which outlives the inquiry) or a referral sent to the
listing. It is answered when the owner marks the inquiry answered or the visitor's follow-up says so (a
visitor's "no" outweighs the owner's mark), or when the recipient takes a referral's first answering step.
A referral withdrawn before any answer (cancelled, placed elsewhere) is not a message the listing failed.

Over a rolling window, the figures are how many of the last messages were answered and the median time to
the first answer; an unanswered message only counts once it is older than the grace period. A listing whose
unanswered messages since the last one it answered reach the limit is "not answering": it stops counting as
accepting new patients until it answers. That rule is written twice here, once in SQL for searches
(unanswered_count) and once in Python for rows already read (figures_from); tests hold them equal.
"""
from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, bindparam, case, func, or_, select, type_coerce, union_all
from sqlalchemy.orm import aliased

from ..i18n import gettext as _, ngettext
from ..models import InquiryRecord, Provider, utcnow
from ..models.referral import ReferralRecipientCopy
from ..models.responsiveness import VISITOR_NO, VISITOR_YES
from ..models.types import UTCDateTime
from .referral_states import CANCELLED, PLACED_ELSEWHERE

# Referral copies that ended, unanswered, for reasons that are not the recipient's.
WITHDRAWN_STATES = (CANCELLED, PLACED_ELSEWHERE)


@dataclass(frozen=True)
class ResponsivenessRules:
    """The window, how many messages make a figure, and when unanswered messages stop a listing counting as accepting."""

    window_days: int = 180
    last: int = 10  # the figures cover at most this many of the most recent messages
    enough: int = 3  # fewer judged messages than this show no figures
    unanswered_days: int = 7  # an unanswered message counts against the listing once older than this
    unanswered_limit: int = 3  # this many unanswered messages since its last answer: "not answering"

    @classmethod
    def from_config(cls, config) -> "ResponsivenessRules":
        """The rules the app's configuration sets."""
        return cls(
            window_days=int(config.get("RESPONSIVENESS_WINDOW_DAYS", cls.window_days)),
            last=int(config.get("RESPONSIVENESS_LAST", cls.last)),
            enough=int(config.get("RESPONSIVENESS_ENOUGH", cls.enough)),
            unanswered_days=int(config.get("UNANSWERED_AFTER_DAYS", cls.unanswered_days)),
            unanswered_limit=int(config.get("UNANSWERED_LIMIT", cls.unanswered_limit)),
        )

    def window_start(self, now: datetime) -> datetime:
        """The oldest sending time the figures look at."""
        return now - timedelta(days=self.window_days)

    def unanswered_cutoff(self, now: datetime) -> datetime:
        """Messages sent before this and still unanswered count against the listing."""
        return now - timedelta(days=self.unanswered_days)

    def not_answering(self, unanswered: int) -> bool:
        """Whether this many unanswered messages since the last answer stop the listing counting as accepting."""
        return unanswered >= self.unanswered_limit


def current_rules() -> ResponsivenessRules:
    """The rules of the running app, or the defaults outside one."""
    from flask import current_app, has_app_context

    return ResponsivenessRules.from_config(current_app.config) if has_app_context() else ResponsivenessRules()


# --- SQL ---------------------------------------------------------------------------------------------

def _inquiry_answered(record):
    return or_(record.visitor_answer == VISITOR_YES,
               and_(record.answered_at.is_not(None), record.visitor_answer != VISITOR_NO))


def _copy_counts(copy):
    """A referral copy is a message unless it was withdrawn before any answer."""
    return or_(copy.first_answer_at.is_not(None), copy.state.not_in(WITHDRAWN_STATES))


def unanswered_count(provider_id, cutoff, window_start):
    """SQL: how many of the listing's messages sent in the window, before `cutoff`, are unanswered and were sent
    after the last message it answered. `provider_id` is the column or value to correlate with."""
    record, copy = InquiryRecord, ReferralRecipientCopy
    answered_record, answered_copy = aliased(InquiryRecord), aliased(ReferralRecipientCopy)
    last_answered_inquiry = (select(func.max(answered_record.sent_at))
                             .where(answered_record.provider_id == provider_id, _inquiry_answered(answered_record))
                             .scalar_subquery())
    last_answered_referral = (select(func.max(answered_copy.sent_at))
                              .where(answered_copy.provider_id == provider_id, answered_copy.first_answer_at.is_not(None))
                              .scalar_subquery())

    def since_last_answer(sent_at):
        return and_(or_(last_answered_inquiry.is_(None), sent_at > last_answered_inquiry),
                    or_(last_answered_referral.is_(None), sent_at > last_answered_referral))

    inquiries = (select(func.count()).select_from(record)
                 .where(record.provider_id == provider_id, ~_inquiry_answered(record), record.sent_at < cutoff,
                        record.sent_at >= window_start, since_last_answer(record.sent_at))
                 .scalar_subquery())
    referrals = (select(func.count()).select_from(copy)
                 .where(copy.provider_id == provider_id, copy.first_answer_at.is_(None), _copy_counts(copy),
                        copy.sent_at < cutoff, copy.sent_at >= window_start, since_last_answer(copy.sent_at))
                 .scalar_subquery())
    return inquiries + referrals


def not_answering_clause(now: datetime, rules: ResponsivenessRules):
    """SQL truth of "not answering" for Provider rows, its times and limit bound by name (see search._search_values)."""
    return unanswered_count(
        Provider.id,
        bindparam("unanswered_cutoff", rules.unanswered_cutoff(now), type_=UTCDateTime),
        bindparam("unanswered_window", rules.window_start(now), type_=UTCDateTime),
    ) >= bindparam("unanswered_limit", rules.unanswered_limit, type_=Integer)


def not_answering_values(now: datetime, rules: ResponsivenessRules) -> dict:
    """The values not_answering_clause binds, by name."""
    return {"unanswered_cutoff": rules.unanswered_cutoff(now), "unanswered_window": rules.window_start(now),
            "unanswered_limit": rules.unanswered_limit}


def contacts_statement(ids_param, window_param):
    """SQL: every message sent since `window_param` to the listings `ids_param` names (to any listing when None):
    (provider, sent, answered, answered at)."""
    record, copy = InquiryRecord, ReferralRecipientCopy
    answered_at = case((record.visitor_answer == VISITOR_NO, None), else_=record.answered_at)
    to_listings = (lambda column: column.in_(ids_param)) if ids_param is not None else (lambda column: column.is_not(None))
    return union_all(
        select(record.provider_id.label("provider_id"), record.sent_at.label("sent_at"),
               case((_inquiry_answered(record), 1), else_=0).label("answered"),
               type_coerce(answered_at, UTCDateTime).label("answered_at"))
        .where(to_listings(record.provider_id), record.sent_at >= window_param),
        select(copy.provider_id, copy.sent_at, case((copy.first_answer_at.is_not(None), 1), else_=0),
               copy.first_answer_at)
        .where(to_listings(copy.provider_id), copy.sent_at >= window_param, _copy_counts(copy)),
    )


# --- figures -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Contact:
    """One message as the figures see it."""

    sent_at: datetime
    answered: bool
    answered_at: datetime | None  # when it was first answered, if the owner said so


@dataclass(frozen=True)
class Responsiveness:
    """A listing's figures: answered of the last judged messages, the median hours to answer, and unanswered ones."""

    answered: int
    of: int
    median_hours: float | None
    unanswered: int  # unanswered, past the grace period, since the last answered message
    enough: bool
    not_answering: bool

    def as_api(self) -> dict | None:
        """The API's `responsiveness`: null until there are enough messages."""
        if not self.enough:
            return None
        hours = round(self.median_hours, 1) if self.median_hours is not None else None
        return {"answered": self.answered, "of": self.of, "median_hours": hours}

    @property
    def summary(self) -> str:
        """The figures in a line, e.g. "Usually answers within 2 days · 9 of the last 10"; empty until enough."""
        if not self.enough:
            return ""
        if self.median_hours is not None and 2 * self.answered >= self.of:
            return _("Usually answers %(time)s · %(answered)d of the last %(of)d", time=answer_time(self.median_hours),
                     answered=self.answered, of=self.of)
        return _("Answered %(answered)d of the last %(of)d messages", answered=self.answered, of=self.of)


def answer_time(hours: float) -> str:
    """A time to answer as people say it: within an hour, within 5 hours, within a day, within 3 days."""
    if hours <= 1:
        return _("within an hour")
    if hours < 24:
        return ngettext("within %(num)d hour", "within %(num)d hours", math.ceil(hours))
    days = math.ceil(hours / 24)
    return _("within a day") if days == 1 else ngettext("within %(num)d day", "within %(num)d days", days)


def figures_from(contacts: Iterable[Contact], now: datetime, rules: ResponsivenessRules) -> Responsiveness:
    """The figures of one listing's messages (any order; those outside the window are ignored)."""
    window_start, cutoff = rules.window_start(now), rules.unanswered_cutoff(now)
    recent = sorted((c for c in contacts if c.sent_at >= window_start), key=lambda c: c.sent_at, reverse=True)
    judged = [c for c in recent if c.answered or c.sent_at < cutoff][:rules.last]
    hours = [max(0.0, (c.answered_at - c.sent_at).total_seconds() / 3600)
             for c in judged if c.answered and c.answered_at is not None]
    last_answer = max((c.sent_at for c in recent if c.answered), default=None)
    unanswered = sum(1 for c in recent if not c.answered and c.sent_at < cutoff
                     and (last_answer is None or c.sent_at > last_answer))
    answered = sum(1 for c in judged if c.answered)
    return Responsiveness(answered=answered, of=len(judged), median_hours=statistics.median(hours) if hours else None,
                          unanswered=unanswered, enough=len(judged) >= rules.enough,
                          not_answering=rules.not_answering(unanswered))


NO_MESSAGES = Responsiveness(answered=0, of=0, median_hours=None, unanswered=0, enough=False, not_answering=False)


def responsiveness_for(provider_ids: list[int], now: datetime | None = None,
                       rules: ResponsivenessRules | None = None) -> dict[int, Responsiveness]:
    """The figures of several listings in one statement, keyed by id (every id present)."""
    from ..extensions import db

    now, rules = now or utcnow(), rules or current_rules()
    if not provider_ids:
        return {}
    statement = contacts_statement(bindparam("ids", expanding=True), bindparam("window", type_=UTCDateTime))
    rows = db.session.connection().execute(statement, {"ids": list(provider_ids), "window": rules.window_start(now)})
    return figures_by_listing(rows, provider_ids, now, rules)


def figures_by_listing(rows, provider_ids, now: datetime, rules: ResponsivenessRules) -> dict[int, Responsiveness]:
    """Rows of contacts_statement turned into each listing's figures."""
    contacts: dict[int, list[Contact]] = {provider_id: [] for provider_id in provider_ids}
    for provider_id, sent_at, answered, answered_at in rows:
        contacts.setdefault(provider_id, []).append(Contact(sent_at, bool(answered), answered_at))
    return {provider_id: figures_from(found, now, rules) if found else NO_MESSAGES
            for provider_id, found in contacts.items()}


def listing_responsiveness(provider) -> Responsiveness:
    """The figures a listing as read for display carries (none for a listing read otherwise)."""
    return getattr(provider, "responsiveness", None) or NO_MESSAGES


# --- telling owners ----------------------------------------------------------------------------------

# At most one such email a week per listing, however long it stays unanswering.
NOTICE_EVERY = timedelta(days=7)


def notify_not_answering(dashboard_url: str | dict[str, str], now: datetime | None = None,
                         rules: ResponsivenessRules | None = None):
    """Email the owner of each listing that is not answering (at most once a week each), in the owner's language;
    `dashboard_url` is one link, or a link per language code. Returns a BatchReport."""
    from sqlalchemy import exists

    from ..extensions import db
    from ..models import LISTING_VERIFIED, NOTICE_UNANSWERED, OwnerNotice
    from .batch import for_each_row

    now, rules = now or utcnow(), rules or current_rules()
    recently_told = exists().where(OwnerNotice.provider_id == Provider.id, OwnerNotice.kind == NOTICE_UNANSWERED,
                                   OwnerNotice.sent_at >= now - NOTICE_EVERY)
    due = db.session.scalars(
        select(Provider.id)
        .where(Provider.owner_id.is_not(None), Provider.listing_status == LISTING_VERIFIED, Provider.active.is_(True),
               not_answering_clause(now, rules), ~recently_told)
        .order_by(Provider.id)
    ).all()
    return for_each_row("listing", due, lambda provider_id: _notify_one(provider_id, dashboard_url, now, rules))


def _notify_one(provider_id: int, dashboard_url: str | dict[str, str], now: datetime,
                rules: ResponsivenessRules) -> bool:
    from ..extensions import db
    from ..i18n import in_language, link_in
    from ..models import NOTICE_UNANSWERED, OwnerNotice, User
    from .mail import queue_email

    provider = db.session.get(Provider, provider_id)
    owner = db.session.get(User, provider.owner_id)
    with in_language(owner.language):
        queue_email(
            owner.email, _("People are waiting for your answer"),
            _("Your listing (%(name)s) has messages from people looking for care that have waited more than "
              "%(days)d days for an answer.", name=provider.name, days=rules.unanswered_days) + "\n\n"
            + _("Until you answer, the directory no longer shows your listing as accepting new patients, and searches "
                "for clinicians who are accepting leave it out. Confirming your availability does not change this; "
                "answering does.") + "\n\n"
            + _("Read and answer them from your dashboard: %(url)s", url=link_in(dashboard_url, owner.language))
            + "\n",
            kind="responsiveness.owner",
        )
    db.session.add(OwnerNotice(provider_id=provider.id, kind=NOTICE_UNANSWERED, sent_at=now))
    db.session.flush()
    return True
