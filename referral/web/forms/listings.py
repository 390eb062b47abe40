"""Forms for provider self-service: the listing editor, new listings and claims, reviews, inquiries."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Optional
from wtforms.widgets import NumberInput

from ...services.geocoding import US_STATES
from .search import MultiCheckboxField

STATE_CHOICES = [SelectChoice("", "Choose…")] + [SelectChoice(code, code) for code in sorted(US_STATES)]
# Editor field -> the reference list that fills its checkboxes (see services.listings.LIST_FIELDS).
LIST_FIELD_LABELS = {
    "modalities": "Therapy approaches",
    "frequencies": "Session frequency",
    "treatment_lengths": "Length of treatment",
    "concerns": "Concerns you treat",
    "insurance": "Insurance accepted",
    "languages": "Languages you offer sessions in",
    "age_groups": "Ages served",
}


class ChoicesCheckboxes(MultiCheckboxField):
    """Checkboxes whose unknown values are reported by the listing service."""


class OfficeForm(Form):
    """One office address (no CSRF of its own: it lives inside the editor)."""

    address1 = StringField("Street address", render_kw={"autocomplete": "address-line1"})
    address2 = StringField("Suite, floor (optional)", render_kw={"autocomplete": "address-line2"})
    city = StringField("City", render_kw={"autocomplete": "address-level2"})
    state = SelectField("State", choices=STATE_CHOICES, default="")
    zip = StringField("ZIP code", render_kw={"autocomplete": "postal-code", "inputmode": "numeric"})
    remove = BooleanField("Remove this office")

    def is_blank(self) -> bool:
        """Whether nothing was typed (the spare row for adding an office)."""
        return not any((self[name].data or "").strip() for name in ("address1", "address2", "city", "state", "zip"))


class LicenseForm(Form):
    """One state license."""

    state = SelectField("State", choices=STATE_CHOICES, default="")
    number = StringField("License number")
    remove = BooleanField("Remove")

    def is_blank(self) -> bool:
        """Whether nothing was typed (the spare row)."""
        return not (self.state.data or "").strip() and not (self.number.data or "").strip()


class ListingForm(FlaskForm):
    """The listing editor: every field of the profile. Offices and licenses keep one spare row for adding."""

    version = HiddenField()
    first_name = StringField("First name", render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", render_kw={"autocomplete": "family-name"})
    credentials = StringField("Credentials (e.g. PhD, LCSW, MD)")
    provider_type = SelectField("Type of clinician")
    statement = TextAreaField("About you and your practice", render_kw={"rows": 10})
    phone = TelField("Phone", render_kw={"autocomplete": "tel"})
    website = URLField("Website", render_kw={"placeholder": "https://"})
    accepting_new_patients = BooleanField("I am accepting new patients")
    in_person = BooleanField("I see people in person")
    telehealth = BooleanField("I offer telehealth")
    fee_min = IntegerField("Lowest fee per session ($)", validators=[Optional()], widget=NumberInput(min=0, step=5))
    fee_max = IntegerField("Highest fee per session ($)", validators=[Optional()], widget=NumberInput(min=0, step=5))
    sliding_scale = BooleanField("I offer a sliding scale")
    offices = FieldList(FormField(OfficeForm), min_entries=1)
    licenses = FieldList(FormField(LicenseForm), min_entries=1)
    modalities = ChoicesCheckboxes(LIST_FIELD_LABELS["modalities"])
    frequencies = ChoicesCheckboxes(LIST_FIELD_LABELS["frequencies"])
    treatment_lengths = ChoicesCheckboxes(LIST_FIELD_LABELS["treatment_lengths"])
    concerns = ChoicesCheckboxes(LIST_FIELD_LABELS["concerns"])
    insurance = ChoicesCheckboxes(LIST_FIELD_LABELS["insurance"])
    languages = ChoicesCheckboxes(LIST_FIELD_LABELS["languages"])
    age_groups = ChoicesCheckboxes(LIST_FIELD_LABELS["age_groups"])
    photo = FileField("Photo (JPEG or PNG, at most 2 MB)", render_kw={"accept": "image/jpeg,image/png"})
    remove_photo = BooleanField("Remove my photo")

    def set_choices(self, provider_types: list, lists: dict) -> None:
        """Fill the select and checkbox lists from the reference lists (keyed like LIST_FIELD_LABELS)."""
        self.provider_type.choices = [SelectChoice(item.slug, item.name) for item in provider_types]
        for name, items in lists.items():
            getattr(self, name).choices = [SelectChoice(item.slug, item.name) for item in items]

    def add_spare_rows(self) -> None:
        """Make sure the last office and license rows are blank, for adding one more without JavaScript."""
        if not self.offices.entries or not self.offices.entries[-1].form.is_blank():
            self.offices.append_entry()
        if not self.licenses.entries or not self.licenses.entries[-1].form.is_blank():
            self.licenses.append_entry()

    def kept_rows(self, name: str) -> list:
        """The office or license rows to save: not blank and not marked for removal."""
        return [entry for entry in getattr(self, name).entries
                if not entry.form.is_blank() and not entry.form.remove.data]

    def to_changes(self) -> dict:
        """The typed values as the listing service takes them."""
        changes = {name: self[name].data or "" for name in
                   ("first_name", "last_name", "credentials", "statement", "phone", "website")}
        changes.update({name: bool(self[name].data) for name in
                        ("accepting_new_patients", "in_person", "telehealth", "sliding_scale")})
        changes.update(fee_min=self.fee_min.data, fee_max=self.fee_max.data, provider_type=self.provider_type.data)
        changes["offices"] = [
            {key: entry.form[key].data or "" for key in ("address1", "address2", "city", "state", "zip")}
            for entry in self.kept_rows("offices")
        ]
        changes["licenses"] = [
            {"state": entry.form.state.data or "", "number": entry.form.number.data or ""}
            for entry in self.kept_rows("licenses")
        ]
        for name in LIST_FIELD_LABELS:
            changes[name] = list(self[name].data or [])
        return changes

    def submitted_version(self) -> int | None:
        """The version the editor was opened at, or None when the hidden field was tampered with."""
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Put service errors next to their fields; "offices-0-zip" names a row among the kept ones."""
        kept = {"offices": self.kept_rows("offices"), "licenses": self.kept_rows("licenses")}
        for key, message in errors.items():
            target = None
            group, _, rest = key.partition("-")
            if group in kept and rest:
                index, _, sub = rest.partition("-")
                rows = kept[group]
                if index.isdigit() and int(index) < len(rows):
                    target = rows[int(index)].form[sub] if sub in rows[int(index)].form else None
            elif key in self:
                target = self[key]
            if target is None:
                target = self[group] if group in self else self.first_name
            if isinstance(target, FieldList):
                # A message about the whole list: show it on the first row's first field.
                target = target.entries[0].form[next(iter(target.entries[0].form._fields))]
            target.errors = list(target.errors or []) + [message]

    @property
    def error_list(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for the error summary at the top of the page."""
        found = []
        for field in self:
            found.extend(_field_errors(field))
        return found


def _field_errors(field) -> list[tuple[str, str, str]]:
    if isinstance(field, FieldList):
        return [item for entry in field.entries for item in _field_errors(entry)]
    if isinstance(field, FormField):
        return [item for sub in field.form for item in _field_errors(sub)]
    errors = field.errors if isinstance(field.errors, list) else []
    return [(field.id, field.label.text, str(message)) for message in errors]


class NewListingForm(FlaskForm):
    """The few fields a new listing starts with; the editor does the rest."""

    npi = StringField("NPI (10 digits)", render_kw={"inputmode": "numeric", "autocomplete": "off"})
    first_name = StringField("First name", render_kw={"autocomplete": "given-name"})
    last_name = StringField("Last name", render_kw={"autocomplete": "family-name"})
    credentials = StringField("Credentials (e.g. PhD, LCSW, MD)")
    provider_type = SelectField("Type of clinician")

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields."""
        for key, message in errors.items():
            field = self[key] if key in self else self.npi
            field.errors = list(field.errors or []) + [message]


class ClaimForm(FlaskForm):
    """Claim an existing listing by its NPI."""

    npi = StringField("NPI of the listing (10 digits)", render_kw={"inputmode": "numeric", "autocomplete": "off"})


class RejectForm(FlaskForm):
    """An admin's reason for rejecting a request (the provider sees it)."""

    reason = TextAreaField("Reason (the provider will see this)", render_kw={"rows": 3})


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class InquiryForm(FlaskForm):
    """The contact form on a profile. `website` is a honeypot that people never see."""

    name = StringField("Your name", render_kw={"autocomplete": "name"})
    email = EmailField("Email", render_kw={"autocomplete": "email"})
    phone = TelField("Phone", render_kw={"autocomplete": "tel"})
    preferred_contact = RadioField(
        "How should they reach you?", choices=[SelectChoice("email", "By email"), SelectChoice("phone", "By phone")],
        default="email", validate_choice=False,
    )
    message = TextAreaField("Message", render_kw={"rows": 6})
    consent = BooleanField("I agree that this provider may contact me about my inquiry.")
    website = StringField("Leave this field empty", render_kw={"autocomplete": "off", "tabindex": "-1"})

    def to_data(self) -> dict:
        """The typed values as the inquiry service takes them."""
        return {
            "name": self.name.data or "", "email": self.email.data or "", "phone": self.phone.data or "",
            "preferred_contact": self.preferred_contact.data or "", "message": self.message.data or "",
            "consent": bool(self.consent.data), "honeypot": self.website.data or "",
        }

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields."""
        for key, message in errors.items():
            field = self[key] if key in self else self.message
            field.errors = list(field.errors or []) + [message]
