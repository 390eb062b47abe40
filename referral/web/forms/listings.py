"""Forms for provider self-service: the listing editor, new listings and claims, reviews, inquiries."""
from datetime import time

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
    TimeField,
    URLField,
)
from wtforms.validators import Optional
from wtforms.widgets import NumberInput

from ...i18n import gettext as _, lazy_gettext as _l
from ...models import Inquiry, InsurancePlan, License, Office, Provider
from ...services.attribute_values import DAY_LABELS, DAY_NAMES
from ...services.attributes import AVAILABILITY, EDITABLE, YES_NO
from ...services.column_ranges import fits_column
from ...services.geocoding import US_STATES
from .column_limits import within
from .search import MultiCheckboxField

STATE_CHOICES = [SelectChoice("", _l("Choose…"))] + [SelectChoice(code, code) for code in sorted(US_STATES)]
# Office hours in the editor: one opening window a day, from and to.
HOURS_FIELDS = tuple((day, f"{name.lower()}_opens", f"{name.lower()}_closes") for day, name in enumerate(DAY_NAMES))


class ChoicesCheckboxes(MultiCheckboxField):
    """Checkboxes whose unknown values are reported by the listing service."""


class OfficeForm(Form):
    """One office address (no CSRF of its own: it lives inside the editor)."""

    address1 = StringField(_l("Street address"), [within(Office.address1)], render_kw={"autocomplete": "address-line1"})
    address2 = StringField(_l("Suite, floor (optional)"), [within(Office.address2)],
                           render_kw={"autocomplete": "address-line2"})
    city = StringField(_l("City"), [within(Office.city)], render_kw={"autocomplete": "address-level2"})
    state = SelectField(_l("State"), choices=STATE_CHOICES, default="")
    zip = StringField(_l("ZIP code"), [within(Office.zip)],
                      render_kw={"autocomplete": "postal-code", "inputmode": "numeric"})
    remove = BooleanField(_l("Remove this office"))

    def is_blank(self) -> bool:
        """Whether nothing was typed (the spare row for adding an office)."""
        return not any((self[name].data or "").strip() for name in ("address1", "address2", "city", "state", "zip"))

    def hours(self) -> list[dict]:
        """The weekly windows typed, as the listing service takes them (minutes after midnight)."""
        windows = []
        for day, opens, closes in HOURS_FIELDS:
            start, end = self[opens].data, self[closes].data
            if start is not None and end is not None:
                windows.append({"day": day, "opens": start.hour * 60 + start.minute,
                                "closes": 1440 if (end.hour, end.minute) == (0, 0) else end.hour * 60 + end.minute})
        return windows

    def incomplete_days(self) -> list[str]:
        """Days with only one of the two times typed (an opening without a closing, or the reverse)."""
        return [str(self[opens].label.text) for _day, opens, closes in HOURS_FIELDS
                if (self[opens].data is None) != (self[closes].data is None)]


for _day, _opens, _closes in HOURS_FIELDS:
    setattr(OfficeForm, _opens, TimeField(_l("%(day)s from", day=DAY_LABELS[_day]), validators=[Optional()]))
    setattr(OfficeForm, _closes, TimeField(_l("%(day)s until", day=DAY_LABELS[_day]), validators=[Optional()]))


class LicenseForm(Form):
    """One state license."""

    state = SelectField(_l("State"), choices=STATE_CHOICES, default="")
    number = StringField(_l("License number"), [within(License.number)])
    remove = BooleanField(_l("Remove"))

    def is_blank(self) -> bool:
        """Whether nothing was typed (the spare row)."""
        return not (self.state.data or "").strip() and not (self.number.data or "").strip()


def editor_data(values: dict) -> dict:
    """A listing's values (services.listings.listing_values) as the editor's fields hold them."""
    offices = []
    for office in values.get("offices", []):
        data = {key: value for key, value in office.items() if key != "hours"}
        for window in office.get("hours", []):
            _day, opens, closes = HOURS_FIELDS[window["day"]]
            data[opens] = _time(window["opens"])
            data[closes] = _time(window["closes"])
        offices.append(data)
    return {**values, "offices": offices}


def _time(minutes: int) -> time:
    return time(0, 0) if minutes >= 1440 else time(minutes // 60, minutes % 60)


class ListingForm(FlaskForm):
    """The listing editor: every field of the profile. Offices and licenses keep one spare row for adding."""

    version = HiddenField()
    first_name = StringField(_l("First name"), [within(Provider.first_name)], render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), [within(Provider.last_name)], render_kw={"autocomplete": "family-name"})
    credentials = StringField(_l("Credentials (e.g. PhD, LCSW, MD)"), [within(Provider.credentials)])
    statement = TextAreaField(_l("About you and your practice"), render_kw={"rows": 10})
    # Written in Spanish by the clinician, whatever the editor's language: the browser is told so.
    statement_es = TextAreaField(_l("About you and your practice, in Spanish (optional)"),
                                 render_kw={"rows": 10, "lang": "es"})
    phone = TelField(_l("Phone"), [within(Provider.phone)], render_kw={"autocomplete": "tel"})
    website = URLField(_l("Website"), [within(Provider.website)], render_kw={"placeholder": "https://"})
    offices = FieldList(FormField(OfficeForm), min_entries=1)
    licenses = FieldList(FormField(LicenseForm), min_entries=1)
    photo = FileField(_l("Photo (JPEG or PNG, at most 2 MB)"), render_kw={"accept": "image/jpeg,image/png"})
    remove_photo = BooleanField(_l("Remove my photo"))

    def set_choices(self, lists: dict) -> None:
        """Fill each list attribute's choices: `lists` maps a reference list's key to its items."""
        for attribute in EDITABLE:
            field = self[attribute.output_key]
            if attribute.reference is not None:
                # Insurance plans are proper names; the other lists are read in the reader's language.
                choices = [SelectChoice(item.slug, item.name if attribute.reference is InsurancePlan else item.label)
                           for item in lists[attribute.output_key]]
            elif attribute.choices:
                choices = [SelectChoice(choice.value, choice.label) for choice in attribute.choices]
            else:
                continue
            if isinstance(field, SelectField) and not isinstance(field, ChoicesCheckboxes) and attribute.name != "type":
                choices = [SelectChoice("", _("Prefer not to say"))] + choices
            field.choices = choices

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
                   ("first_name", "last_name", "credentials", "statement", "statement_es", "phone", "website")}
        for attribute in EDITABLE:
            data = self[attribute.output_key].data
            if isinstance(self[attribute.output_key], ChoicesCheckboxes):
                changes[attribute.output_key] = list(data or [])
            elif attribute.filter in (YES_NO, AVAILABILITY):
                changes[attribute.output_key] = bool(data)
            elif isinstance(self[attribute.output_key], IntegerField):
                changes[attribute.output_key] = data
            else:
                changes[attribute.output_key] = data or ""
        changes["offices"] = [
            {**{key: entry.form[key].data or "" for key in ("address1", "address2", "city", "state", "zip")},
             "hours": entry.form.hours()}
            for entry in self.kept_rows("offices")
        ]
        changes["licenses"] = [
            {"state": entry.form.state.data or "", "number": entry.form.number.data or ""}
            for entry in self.kept_rows("licenses")
        ]
        return changes

    def typing_errors(self) -> dict[str, str]:
        """Problems the form finds before the service looks: office hours with only one of their two times."""
        errors = {}
        for index, entry in enumerate(self.kept_rows("offices")):
            missing = entry.form.incomplete_days()
            if missing:
                errors[f"offices-{index}-hours"] = _("Give both times, or neither: %(fields)s.",
                                                     fields=", ".join(missing))
        return errors

    def submitted_version(self) -> int | None:
        """The version the editor was opened at, or None when the hidden field was tampered with."""
        try:
            version = int(self.version.data)
        except (TypeError, ValueError):
            return None
        return version if fits_column(version, Provider.version_id) else None

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Put service errors next to their fields; "offices-0-zip" names a row among the kept ones."""
        kept = {"offices": self.kept_rows("offices"), "licenses": self.kept_rows("licenses")}
        for key, message in errors.items():
            target = None
            group, _, rest = key.partition("-")
            if group in kept and rest:
                index, _, sub = rest.partition("-")
                rows = kept[group]
                if sub == "hours":
                    sub = HOURS_FIELDS[0][1]
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

    npi = StringField(_l("NPI (10 digits)"), render_kw={"inputmode": "numeric", "autocomplete": "off"})
    first_name = StringField(_l("First name"), [within(Provider.first_name)], render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), [within(Provider.last_name)], render_kw={"autocomplete": "family-name"})
    credentials = StringField(_l("Credentials (e.g. PhD, LCSW, MD)"), [within(Provider.credentials)])
    provider_type = SelectField(_l("Type of clinician"))

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields."""
        for key, message in errors.items():
            field = self[key] if key in self else self.npi
            field.errors = list(field.errors or []) + [message]


class ClaimForm(FlaskForm):
    """Claim an existing listing by its NPI."""

    npi = StringField(_l("NPI of the listing (10 digits)"), render_kw={"inputmode": "numeric", "autocomplete": "off"})


class RejectForm(FlaskForm):
    """An admin's reason for rejecting a request (the provider sees it)."""

    reason = TextAreaField(_l("Reason (the provider will see this)"), render_kw={"rows": 3})


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class InquiryForm(FlaskForm):
    """The contact form on a profile. `website` is a honeypot that people never see."""

    name = StringField(_l("Your name"), [within(Inquiry.name)], render_kw={"autocomplete": "name"})
    email = EmailField(_l("Email"), [within(Inquiry.email)], render_kw={"autocomplete": "email"})
    phone = TelField(_l("Phone"), [within(Inquiry.phone)], render_kw={"autocomplete": "tel"})
    preferred_contact = RadioField(
        _l("How should they reach you?"),
        choices=[SelectChoice("email", _l("By email")), SelectChoice("phone", _l("By phone"))],
        default="email", validate_choice=False,
    )
    message = TextAreaField(_l("Message"), render_kw={"rows": 6})
    consent = BooleanField(_l("I agree that this provider may contact me about my inquiry."))
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

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


def _attribute_field(attribute):
    """The editor's field for one listing attribute, chosen by what the registry says it holds."""
    label = attribute.editor_label
    if attribute.multiple:
        return ChoicesCheckboxes(label, description=attribute.help)
    if attribute.is_list:
        return SelectField(label, description=attribute.help, validate_choice=False)
    if attribute.filter in (YES_NO, AVAILABILITY):
        return BooleanField(label, description=attribute.help)
    if attribute.maximum is not None:
        return IntegerField(label, validators=[Optional()], widget=NumberInput(min=0, max=attribute.maximum, step=1),
                            description=attribute.help)
    return StringField(label, description=attribute.help,
                       render_kw={"maxlength": attribute.max_length} if attribute.max_length else None)


for _attribute in EDITABLE:
    setattr(ListingForm, _attribute.output_key, _attribute_field(_attribute))
