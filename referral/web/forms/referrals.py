"""Forms of the referral pages: sending, answering, the thread, the referrer profile and its review."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from ...i18n import lazy_gettext as _l
from ...services.geocoding import US_STATES
from ...services.referral_states import DECLINE_REASONS
from .search import MultiCheckboxField

URGENCY_CHOICES = [
    SelectChoice("routine", _l("Routine")),
    SelectChoice("soon", _l("Soon (within a few weeks)")),
    SelectChoice("urgent", _l("Urgent (needs help within days)")),
]


class ReferralForm(FlaskForm):
    """Refer a patient. The rules are checked by the referral service; this form only carries the values."""

    patient_reference = StringField(_l("Patient reference"), render_kw={"autocomplete": "off", "maxlength": 20, "spellcheck": "false"})
    age_group = RadioField(_l("Age group"), validate_choice=False)
    patient_zip = StringField(_l("Patient's ZIP code"), render_kw={"inputmode": "numeric", "maxlength": 5, "autocomplete": "off"})
    telehealth_state = SelectField(_l("Or, for telehealth, the patient's state"), validate_choice=False)
    concerns = MultiCheckboxField(_l("Concerns"))
    modality = SelectField(_l("Preferred therapy approach"), validate_choice=False)
    frequency = SelectField(_l("Session frequency"), validate_choice=False)
    insurance = SelectField(_l("Insurance"), validate_choice=False)
    urgency = RadioField(_l("Urgency"), choices=URGENCY_CHOICES, default="routine", validate_choice=False)
    note = TextAreaField(_l("Note to the recipient"), render_kw={"maxlength": 1000, "rows": 5})
    consent = BooleanField(_l("The patient agreed to be referred to these providers."))

    def set_choices(self, lists: dict) -> None:
        """Fill the lists from the reference data."""
        self.age_group.choices = [SelectChoice(a.slug, a.label) for a in lists["age_groups"]]
        self.telehealth_state.choices = [SelectChoice("", "—")] + [SelectChoice(s, s) for s in sorted(US_STATES)]
        self.concerns.choices = [SelectChoice(c.slug, c.label) for c in lists["concerns"]]
        no_preference = SelectChoice("", _l("No preference"))
        self.modality.choices = [no_preference] + [SelectChoice(m.slug, m.label) for m in lists["modalities"]]
        self.frequency.choices = [no_preference] + [SelectChoice(f.slug, f.label) for f in lists["frequencies"]]
        # Plan names are proper names: they stay as written.
        self.insurance.choices = [SelectChoice("", _l("Choose…"))] + [SelectChoice(i.slug, i.name) for i in lists["insurance"]]

    def service_data(self) -> dict:
        """The values in the shape the referral service reads."""
        return {
            "patient_reference": self.patient_reference.data, "age_group": self.age_group.data,
            "patient_zip": self.patient_zip.data, "telehealth_state": self.telehealth_state.data,
            "concerns": self.concerns.data or [], "modality": self.modality.data, "frequency": self.frequency.data,
            "insurance": self.insurance.data, "urgency": self.urgency.data, "note": self.note.data,
            "consent": self.consent.data,
        }

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show the service's messages next to their fields (unknown keys go to the reference field)."""
        for name, message in errors.items():
            field = getattr(self, name, None)
            if field is None or not hasattr(field, "errors"):
                continue
            field.errors = list(field.errors or []) + [str(message)]


class ActionForm(FlaskForm):
    """One action on a copy (accept, mark attended, close ...): nothing but the CSRF token."""


class DeclineForm(FlaskForm):
    """Decline with a reason from the fixed list."""

    reason = RadioField(_l("Reason"), choices=[SelectChoice(k, v) for k, v in DECLINE_REASONS.items()], validate_choice=False)


class RequestInfoForm(FlaskForm):
    """Ask the referrer a question before answering."""

    message = TextAreaField(_l("Your question"), render_kw={"maxlength": 2000, "rows": 3})


class ScheduleForm(FlaskForm):
    """The date of the first appointment."""

    appointment_date = StringField(_l("Date of the first appointment"), render_kw={"type": "date"})


class MessageForm(FlaskForm):
    """A message in the thread between the two clinicians."""

    body = TextAreaField(_l("Message"), render_kw={"maxlength": 2000, "rows": 3})


class ReferrerProfileForm(FlaskForm):
    """A referring clinician's NPI profile."""

    npi = StringField(_l("NPI"), render_kw={"inputmode": "numeric", "maxlength": 12, "autocomplete": "off"})
    clinician_name = StringField(_l("Name as on your license"), render_kw={"autocomplete": "name", "maxlength": 160})
    credentials = StringField(_l("Credentials"), validators=[Optional()], render_kw={"placeholder": _l("e.g. MD"), "maxlength": 80})
    organization = StringField(_l("Practice or organization"), validators=[Optional()], render_kw={"maxlength": 160})


class ProfileDecisionForm(FlaskForm):
    """An admin's decision on a referrer profile."""

    decision = HiddenField()
    reason = StringField(_l("Reason for rejecting (the applicant sees it)"), render_kw={"maxlength": 500})
