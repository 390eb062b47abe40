"""Tables of the directory. Importing this package registers every model with the metadata."""
from .provider import (
    LISTING_PENDING,
    LISTING_REJECTED,
    LISTING_UNCLAIMED,
    LISTING_VERIFIED,
    SEARCHABLE_LISTING_STATUSES,
    License,
    Office,
    OfficeHours,
    Provider,
    provider_age_groups,
    provider_concerns,
    provider_ethnicities,
    provider_frequencies,
    provider_insurance,
    provider_languages,
    provider_modalities,
    provider_treatment_lengths,
)
from .reference import (
    AgeGroup,
    Concern,
    ConcernCode,
    Ethnicity,
    Faith,
    Frequency,
    InsurancePlan,
    Language,
    Modality,
    ProviderType,
    TaxonomyCode,
    TreatmentLength,
)
from .outbox import OutboxMessage
from .nppes import NppesRecord  # registry import bookkeeping (NPPES import area)
from .referral import (
    REFERRER_APPROVED,
    REFERRER_PENDING,
    REFERRER_REJECTED,
    URGENCIES,
    Referral,
    ReferralAccessLog,
    ReferralEvent,
    ReferralMessage,
    ReferralRecipientCopy,
    ReferrerProfile,
)
from .types import UTCDateTime, utcnow
from .user import ROLE_ADMIN, ROLE_PROVIDER, ROLE_REFERRER, ROLES, RecoveryCode, User
from .listing import (  # provider self-service: reviews, audit log, photos, inquiries, reminders
    CONTACT_EMAIL,
    CONTACT_PHONE,
    REVIEW_APPROVED,
    REVIEW_CHANGE,
    REVIEW_CLAIM,
    REVIEW_NEW,
    REVIEW_PENDING,
    REVIEW_REJECTED,
    AvailabilityReminder,
    Inquiry,
    ListingAudit,
    ListingReview,
    ProviderPhoto,
)
from .responsiveness import (  # what is kept of messages for the listing's figures, and notices to owners
    NOTICE_REPORT,
    NOTICE_UNANSWERED,
    VISITOR_ANSWERS,
    InquiryRecord,
    OwnerNotice,
)
from .reports import REPORT_KINDS, REPORT_OPEN, REPORT_RESOLVED, ListingReport  # visitors' reports of wrong listings
from .alerts import SearchAlert  # "tell me when someone opens up"

__all__ = [name for name in dir() if not name.startswith("_")]
