"""Forms a visitor fills in without an account: a report of a wrong listing, the inquiry follow-up, search alerts."""
from flask_babel.speaklater import LazyString
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length

from ...i18n import lazy_gettext as _l
from ...models import REPORT_KINDS, InquiryRecord, SearchAlert
from ...services.reports import MAX_NOTE, kind_label
from .column_limits import within


class ReportForm(FlaskForm):
    """What is wrong with a listing. `website` is a honeypot that people never see (as on the contact form)."""

    # The kinds' labels are read in the visitor's language when the form is drawn.
    kind = RadioField(_l("What is wrong?"),
                      choices=[SelectChoice(kind, LazyString(kind_label, kind)) for kind in REPORT_KINDS],
                      validate_choice=False)
    note = TextAreaField(_l("Anything we should know (optional)"),
                         [Length(max=MAX_NOTE,
                                 message=_l("Keep the note under %(limit)d characters.", limit=MAX_NOTE))],
                         render_kw={"rows": 4, "maxlength": MAX_NOTE})
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def to_data(self) -> dict:
        """The typed values as the reports service takes them."""
        return {"kind": self.kind.data or "", "note": self.note.data or "", "honeypot": self.website.data or ""}

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields."""
        for key, message in errors.items():
            field = self[key] if key in self else self.note
            field.errors = list(field.errors or []) + [message]


class FollowUpOfferForm(FlaskForm):
    """The address to send the single follow-up question to."""

    email = EmailField(_l("Your email address"), [within(InquiryRecord.follow_up_email)],
                       render_kw={"autocomplete": "email"})


# The longest place name the alert form takes (a city and state, or a ZIP code, fit well within it).
MAX_PLACE = 120


class AlertForm(FlaskForm):
    """The address a search alert is sent to, and the place to watch when the page was not opened from a search.
    `website` is a honeypot that people never see."""

    near = StringField(_l("ZIP code or city, state"),
                       [Length(max=MAX_PLACE, message=_l("Use at most %(limit)d characters.", limit=MAX_PLACE))],
                       render_kw={"autocomplete": "postal-code"})
    email = EmailField(_l("Your email address"), [within(SearchAlert.email)], render_kw={"autocomplete": "email"})
    website = StringField(_l("Leave this field empty"), render_kw={"autocomplete": "off", "tabindex": "-1"})

    def attach_errors(self, errors: dict[str, str]) -> None:
        """Show service errors next to their fields (the search's own, by the address)."""
        for key, message in errors.items():
            field = self[key] if key in self else self.email
            field.errors = list(field.errors or []) + [message]


class LinkForm(FlaskForm):
    """The buttons of a page reached by an emailed link (one per answer, or one to confirm): only the CSRF token."""
