"""Every text field's limit against its column, on both engines.

The walk: no text field of any form (referral/web/forms) or of the JSON API's input allows more characters
than the String column it is stored in, and every field stored in a String column has a limit; FHIR and HSDS
write nothing. Then values at each limit are submitted through the pages and the API and read back whole,
and one character more is refused next to the field.
"""
import importlib
import pkgutil

import pytest
from conftest import loaded
from sqlalchemy import select
from test_listings_web import form_data
from wtforms import Form, IntegerField, StringField
from wtforms.fields.core import UnboundField
from wtforms.validators import Length

import referral.web.forms as forms_package
from referral.extensions import db
from referral.models import (
    REFERRER_PENDING,
    Inquiry,
    InquiryRecord,
    License,
    ListingReport,
    ListingReview,
    Office,
    Provider,
    Referral,
    ReferralEvent,
    ReferralMessage,
    ReferralRecipientCopy,
    ReferrerProfile,
    SearchAlert,
    User,
    utcnow,
)
from referral.services.attributes import AVAILABILITY, EDITABLE, YES_NO
from referral.services.column_ranges import column_range
from referral.services.listings import OFFICE_LIMITS, TEXT_FIELDS
from referral.services.referral_states import DECLINE_REASONS, TRANSITIONS
from referral_world import FORM, as_role, world  # noqa: F401

# Where each text field of a form is stored ("Form.field": column); Text columns have no length of their own.
STORED_IN = {
    "RegisterForm.display_name": User.display_name,
    "RegisterForm.email": User.email,
    "ChangeEmailForm.new_email": User.pending_email,
    "ListingForm.first_name": Provider.first_name,
    "ListingForm.last_name": Provider.last_name,
    "ListingForm.credentials": Provider.credentials,
    "ListingForm.statement": Provider.statement,
    "ListingForm.statement_es": Provider.statement_es,
    "ListingForm.phone": Provider.phone,
    "ListingForm.website": Provider.website,
    "ListingForm.pronouns": Provider.pronouns,
    "OfficeForm.address1": Office.address1,
    "OfficeForm.address2": Office.address2,
    "OfficeForm.city": Office.city,
    "OfficeForm.zip": Office.zip,
    "LicenseForm.number": License.number,
    "NewListingForm.first_name": Provider.first_name,
    "NewListingForm.last_name": Provider.last_name,
    "NewListingForm.credentials": Provider.credentials,
    "RejectForm.reason": ListingReview.reason,
    "InquiryForm.name": Inquiry.name,
    "InquiryForm.email": Inquiry.email,
    "InquiryForm.phone": Inquiry.phone,
    "InquiryForm.message": Inquiry.message,
    "ReferralForm.patient_reference": Referral.patient_reference,
    "ReferralForm.patient_zip": Referral.patient_zip,
    "ReferralForm.note": Referral.note,
    "RequestInfoForm.message": ReferralMessage.body,
    "MessageForm.body": ReferralMessage.body,
    "ReferrerProfileForm.clinician_name": ReferrerProfile.clinician_name,
    "ReferrerProfileForm.credentials": ReferrerProfile.credentials,
    "ReferrerProfileForm.organization": ReferrerProfile.organization,
    "ProfileDecisionForm.reason": ReferrerProfile.rejection_reason,
    "ReportForm.note": ListingReport.note,
    "FollowUpOfferForm.email": InquiryRecord.follow_up_email,
    "AlertForm.email": SearchAlert.email,
}
# Text fields whose typed value is never stored as typed, and why.
NOT_STORED_AS_TYPED = {
    "ListingForm.version": "a whole number, checked against the version column's range",
    "NewListingForm.npi": "stored as the ten digits left after dropping spaces and dashes, once the check digit passes",
    "ClaimForm.npi": "looked up as ten digits, never stored",
    "ReferrerProfileForm.npi": "stored as the ten digits left after dropping spaces and dashes, once the check digit passes",
    "ScheduleForm.appointment_date": "stored as a date",
    "InquiryForm.website": "a honeypot, never stored",
    "ReportForm.website": "a honeypot, never stored",
    "AlertForm.website": "a honeypot, never stored",
    "AlertForm.near": "a place, stored in the alert's search (search_alerts.query) once it names one",
    "ProfileDecisionForm.decision": "approve or reject, never stored",
    "LoginForm.email": "looked up, never stored",
    "LoginForm.password": "checked against the hash, never stored",
    "ResetRequestForm.email": "looked up, never stored",
    "RegisterForm.password": "stored as a hash",
    "RegisterForm.confirm": "compared, never stored",
    "ResetPasswordForm.password": "stored as a hash",
    "ResetPasswordForm.confirm": "compared, never stored",
    "ChangePasswordForm.current_password": "checked against the hash, never stored",
    "ChangePasswordForm.new_password": "stored as a hash",
    "ChangePasswordForm.confirm": "compared, never stored",
    "ChangeEmailForm.password": "checked against the hash, never stored",
    "SignInCodeForm.code": "checked, never stored",
    "SetUpCodeForm.code": "checked, never stored",
    "TurnOffTwoFactorForm.password": "checked against the hash, never stored",
    "TurnOffTwoFactorForm.code": "checked, never stored",
    "SearchForm.near": "a search, never stored",
    "SearchForm.q": "a search, never stored",
    "SearchForm.lat": "a search, never stored",
    "SearchForm.lng": "a search, never stored",
}
# The JSON API's routes that write (PUT, PATCH, POST, DELETE), each covered by a test below.
API_WRITES = {"api.change_listing", "api.post_message", "api.post_transition"}
# Characters counted, not bytes: PostgreSQL's varchar(n) holds n characters whatever their encoding.
LETTERS = "Zoë-Ñandú-Łódź-語-"


def text_of(length: int, pattern: str = LETTERS) -> str:
    """A text of exactly `length` characters, with no whitespace for the forms to fold."""
    return (pattern * (length // len(pattern) + 1))[:length]


def length_of(column) -> int | None:
    """The column's String length (None for Text)."""
    return getattr(column.type, "length", None)


def form_classes() -> list[type[Form]]:
    """Every form class defined in referral/web/forms."""
    found = []
    for info in pkgutil.iter_modules(forms_package.__path__):
        module = importlib.import_module(f"{forms_package.__name__}.{info.name}")
        found += [value for value in vars(module).values()
                  if isinstance(value, type) and issubclass(value, Form) and value.__module__ == module.__name__]
    return found


def fields_of(form_class: type[Form], kind) -> dict[str, UnboundField]:
    """The form's fields of one kind (StringField covers every text input), by "Form.field"."""
    return {f"{form_class.__name__}.{name}": value for name in dir(form_class)
            if isinstance(value := getattr(form_class, name), UnboundField) and issubclass(value.field_class, kind)}


def declared_limits(field: UnboundField) -> list[int]:
    """Every maximum the field declares: its Length validators and its maxlength attribute."""
    validators = field.kwargs.get("validators") or (field.args[1] if len(field.args) > 1 else [])
    limits = [validator.max for validator in validators if isinstance(validator, Length) and validator.max >= 0]
    maxlength = (field.kwargs.get("render_kw") or {}).get("maxlength")
    return limits + ([maxlength] if maxlength is not None else [])


TEXT_FORM_FIELDS = {key: field for form_class in form_classes() for key, field in fields_of(form_class, StringField).items()}


# --- the walk: forms -------------------------------------------------------------------------

def test_every_text_field_of_every_form_says_where_it_is_stored():
    unknown = set(TEXT_FORM_FIELDS) - set(STORED_IN) - set(NOT_STORED_AS_TYPED)
    assert not unknown, f"say where these fields are stored (STORED_IN) or why they are not: {sorted(unknown)}"
    gone = (set(STORED_IN) | set(NOT_STORED_AS_TYPED)) - set(TEXT_FORM_FIELDS)
    assert not gone, f"these fields no longer exist: {sorted(gone)}"


@pytest.mark.parametrize("key", sorted(key for key, column in STORED_IN.items() if length_of(column) is not None))
def test_a_form_field_stored_in_a_string_column_is_limited_to_it(key):
    column = STORED_IN[key]
    limits = declared_limits(TEXT_FORM_FIELDS[key])
    assert limits, f"{key} has no limit, and {column} holds {length_of(column)} characters"
    assert max(limits) <= length_of(column), f"{key} allows {max(limits)} characters, {column} holds {length_of(column)}"


@pytest.mark.parametrize("attribute", [a for a in EDITABLE if a.maximum is not None], ids=lambda a: a.output_key)
def test_a_number_field_of_the_editor_stays_within_its_column(attribute):
    field = fields_of(next(c for c in form_classes() if c.__name__ == "ListingForm"), IntegerField)[
        f"ListingForm.{attribute.output_key}"]
    assert field.kwargs["widget"].max == attribute.maximum <= column_range(getattr(Provider, attribute.column))[1]


# --- the walk: the JSON API, FHIR and HSDS -----------------------------------------------------

def test_only_the_covered_api_routes_write_and_fhir_and_hsds_write_nothing(app):
    writes = {rule.endpoint for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in ("api", "fhir", "hsds") and rule.methods - {"GET", "HEAD", "OPTIONS"}
              and not getattr(app.view_functions[rule.endpoint], "only_reads", False)}
    assert writes == API_WRITES


@pytest.mark.parametrize("name", sorted(TEXT_FIELDS))
def test_a_listing_text_field_of_the_api_is_limited_to_its_column(name):
    length = length_of(getattr(Provider, name))
    assert length is None or TEXT_FIELDS[name] <= length


@pytest.mark.parametrize("name", sorted(OFFICE_LIMITS))
def test_an_office_field_of_the_api_is_limited_to_its_column(name):
    assert OFFICE_LIMITS[name] <= length_of(getattr(Office, name))


@pytest.mark.parametrize("attribute", [a for a in EDITABLE if a.reference is None and a.filter not in (YES_NO, AVAILABILITY)],
                         ids=lambda a: a.output_key)
def test_a_listing_attribute_of_the_api_fits_its_column(attribute):
    column = getattr(Provider, attribute.column)
    if attribute.maximum is not None:
        assert 0 <= attribute.maximum <= column_range(column)[1]
    elif attribute.choices:
        assert all(len(choice.value) <= length_of(column) for choice in attribute.choices)
    else:
        assert attribute.max_length is not None and attribute.max_length <= length_of(column)


def test_every_action_and_decline_reason_of_the_referral_api_fits_its_column():
    assert all(len(action) <= length_of(ReferralEvent.action) for action in TRANSITIONS)
    assert all(len(reason) <= length_of(ReferralRecipientCopy.decline_reason) for reason in DECLINE_REASONS)
    assert all(len(label) <= length_of(ReferralEvent.detail) for label in DECLINE_REASONS.values())


# --- at the limit, through the pages -------------------------------------------------------------

def longest_email() -> str:
    """An address of 254 characters, the most an email address may have."""
    local = "a" * 64
    domain = f"{'b' * 60}.{'c' * 60}.{'d' * 63}.org"
    address = f"{local}@{domain}"
    assert len(address) == 254 == length_of(User.email)
    return address


def stored(app, model, *columns, where=None):
    """The values of the columns in the model's (first matching) row."""
    with app.app_context():
        query = select(*columns)
        return db.session.execute(query.where(where) if where is not None else query).first()


def test_register_stores_the_longest_name_and_address_whole(app, client):
    name = text_of(length_of(User.display_name))
    password = "quiet lantern orchard vessel"
    response = client.post("/register", data={"role": "provider", "display_name": name, "email": longest_email(),
                                              "password": password, "confirm": password})
    assert response.status_code == 302
    assert tuple(stored(app, User, User.display_name, User.email)) == (name, longest_email())


def test_change_email_stores_the_longest_address_whole(app, client, make_user, login):
    user = make_user()
    login(client, user)
    response = client.post("/account/email", data={"em-new_email": longest_email(), "em-password": user.test_password})
    assert response.status_code == 302
    assert stored(app, User, User.pending_email, where=User.id == user.id)[0] == longest_email()


EDITOR_LIMITS = {
    "first_name": text_of(length_of(Provider.first_name)),
    "last_name": text_of(length_of(Provider.last_name)),
    "credentials": text_of(length_of(Provider.credentials)),
    "phone": text_of(length_of(Provider.phone), "212-555-0100 "),
    "website": "https://example.org/" + "a" * (length_of(Provider.website) - len("https://example.org/")),
    "pronouns": text_of(length_of(Provider.pronouns)),
    "offices-0-address1": text_of(length_of(Office.address1)),
    "offices-0-address2": text_of(length_of(Office.address2)),
    "offices-0-city": text_of(length_of(Office.city)),
    "offices-0-zip": "10025-1234",
    "licenses-0-number": text_of(length_of(License.number)),
}


def owned_listing(make_user, make_provider):
    """A provider account and the verified listing it owns."""
    owner = make_user()
    return owner, make_provider(npi="1234567893", owner_id=owner.id, listing_status="verified", verified_at=utcnow(),
                                source="owner")


def read_listing(app, provider_id: int) -> Provider:
    """The listing as stored now."""
    with app.app_context():
        return loaded(db.session.get(Provider, provider_id))


def stored_editor_values(listing: Provider) -> dict[str, str]:
    """The listing's values under the editor's field names."""
    office, license_ = listing.offices[0], listing.licenses[0]
    return {"first_name": listing.first_name, "last_name": listing.last_name, "credentials": listing.credentials,
            "phone": listing.phone, "website": listing.website, "pronouns": listing.pronouns,
            "offices-0-address1": office.address1, "offices-0-address2": office.address2, "offices-0-city": office.city,
            "offices-0-zip": office.zip, "licenses-0-number": license_.number}


def test_the_editor_stores_every_text_field_at_its_limit_whole(app, client, make_user, make_provider, login):
    assert all(len(value) == declared for value, declared in
               ((EDITOR_LIMITS["phone"], length_of(Provider.phone)), (EDITOR_LIMITS["website"], length_of(Provider.website))))
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    response = client.post(f"/listings/{listing.id}/edit", data={**form_data(listing), **EDITOR_LIMITS})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stored_editor_values(read_listing(app, listing.id)) == EDITOR_LIMITS


@pytest.mark.parametrize("field", sorted(EDITOR_LIMITS))
def test_the_editor_refuses_one_character_more_at_the_field_and_keeps_it(app, client, make_user, make_provider, login,
                                                                         field):
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    too_long = EDITOR_LIMITS[field] + "9"
    response = client.post(f"/listings/{listing.id}/edit", data={**form_data(listing), field: too_long})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html and f'value="{too_long}"' in html
    assert stored_editor_values(read_listing(app, listing.id)) == stored_editor_values(listing)


def test_a_new_listing_stores_names_at_their_limit_whole(app, client, make_user, login):
    login(client, make_user())
    names = {"first_name": text_of(length_of(Provider.first_name)), "last_name": text_of(length_of(Provider.last_name)),
             "credentials": text_of(length_of(Provider.credentials))}
    response = client.post("/listings/new", data={"npi": "1234567893", "provider_type": "psychologist", **names})
    assert response.status_code == 302
    row = stored(app, Provider, Provider.first_name, Provider.last_name, Provider.credentials)
    assert tuple(row) == tuple(names.values())


INQUIRY = {"preferred_contact": "email", "message": "I am looking for weekly sessions.", "consent": "y"}
INQUIRY_LIMITS = {"name": text_of(length_of(Inquiry.name)), "email": longest_email(),
                  "phone": text_of(length_of(Inquiry.phone), "212-555-0100 ")}


def test_an_inquiry_stores_name_address_and_phone_at_their_limit_whole(app, client, make_user, make_provider):
    _owner, listing = owned_listing(make_user, make_provider)
    response = client.post(f"/providers/{listing.id}/contact", data={**INQUIRY, **INQUIRY_LIMITS})
    assert response.status_code == 302
    assert tuple(stored(app, Inquiry, Inquiry.name, Inquiry.email, Inquiry.phone)) == tuple(INQUIRY_LIMITS.values())


@pytest.mark.parametrize("field", sorted(INQUIRY_LIMITS))
def test_an_inquiry_refuses_one_character_more_at_the_field_and_keeps_it(app, client, make_user, make_provider, field):
    _owner, listing = owned_listing(make_user, make_provider)
    too_long = INQUIRY_LIMITS[field] + "9"
    response = client.post(f"/providers/{listing.id}/contact", data={**INQUIRY, **INQUIRY_LIMITS, field: too_long})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"Use at most {len(too_long) - 1} characters." in html and f'value="{too_long}"' in html
    assert stored(app, Inquiry, Inquiry.id) is None


def test_a_referral_stores_reference_and_zip_at_their_limit_whole(app, world, as_role):
    client = as_role("referrer")
    assert client.post("/referrals/shortlist", data={"provider_id": world.provider_a.id, "next": "/search"}).status_code == 302
    reference = "QX" + "7" * (length_of(Referral.patient_reference) - 2)
    data = {**{k: v for k, v in FORM.items() if k != "consent"}, "consent": "y", "patient_reference": reference,
            "patient_zip": "10025"}
    assert len(data["patient_zip"]) == length_of(Referral.patient_zip)
    response = client.post("/referrals/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert tuple(stored(app, Referral, Referral.patient_reference, Referral.patient_zip)) == (reference, "10025")


def test_a_referrer_profile_stores_names_at_their_limit_whole(app, client, make_user, login):
    login(client, make_user(role="referrer"))
    names = {"clinician_name": text_of(length_of(ReferrerProfile.clinician_name)),
             "credentials": text_of(length_of(ReferrerProfile.credentials)),
             "organization": text_of(length_of(ReferrerProfile.organization))}
    response = client.post("/referrals/profile", data={"npi": "123-456-7893", **names})
    assert response.status_code == 302
    row = stored(app, ReferrerProfile, ReferrerProfile.clinician_name, ReferrerProfile.credentials,
                 ReferrerProfile.organization, ReferrerProfile.npi)
    assert tuple(row) == (*names.values(), "1234567893")


def test_a_profile_rejection_stores_the_reason_at_its_limit_whole(app, client, make_user, login):
    applicant, admin = make_user(role="referrer"), make_user(role="admin")
    with app.app_context():
        profile = ReferrerProfile(user_id=applicant.id, npi="1234567893", clinician_name="Dr Applicant",
                                  status=REFERRER_PENDING)
        db.session.add(profile)
        db.session.commit()
        profile_id = profile.id
    login(client, admin)
    reason = text_of(length_of(ReferrerProfile.rejection_reason))
    response = client.post(f"/admin/referrers/{profile_id}/decision",
                           data={f"p{profile_id}-decision": "reject", f"p{profile_id}-reason": reason})
    assert response.status_code == 302
    assert stored(app, ReferrerProfile, ReferrerProfile.rejection_reason)[0] == reason


# --- at the limit, through the JSON API ------------------------------------------------------------

API_LIMITS = {
    **{name: EDITOR_LIMITS[name] for name in ("first_name", "last_name", "credentials", "phone", "website", "pronouns")},
    "offices": [{"address1": EDITOR_LIMITS["offices-0-address1"], "address2": EDITOR_LIMITS["offices-0-address2"],
                 "city": EDITOR_LIMITS["offices-0-city"], "state": "NY", "zip": EDITOR_LIMITS["offices-0-zip"],
                 "hours": []}],
    "licenses": [{"state": "NY", "number": EDITOR_LIMITS["licenses-0-number"]}],
}
# One character more in each field, and the parameter the refusal names.
API_TOO_LONG = [(name, {name: API_LIMITS[name] + "9"}, name) for name in API_LIMITS if isinstance(API_LIMITS[name], str)] + [
    (f"offices.{key}", {"offices": [{**API_LIMITS["offices"][0], key: API_LIMITS["offices"][0][key] + "9"}]},
     f"offices-0-{key}") for key in ("address1", "address2", "city")] + [
    ("licenses.number", {"licenses": [{"state": "NY", "number": API_LIMITS["licenses"][0]["number"] + "9"}]},
     "licenses-0-number")]


def test_the_api_stores_every_listing_text_field_at_its_limit_whole(app, client, make_user, make_provider, login):
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    response = client.patch(f"/api/v1/listings/{listing.id}", json={"version": listing.version_id, **API_LIMITS})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert stored_editor_values(read_listing(app, listing.id)) == EDITOR_LIMITS


@pytest.mark.parametrize("changes, parameter", [(changes, parameter) for _id, changes, parameter in API_TOO_LONG],
                         ids=[name for name, _changes, _parameter in API_TOO_LONG])
def test_the_api_refuses_one_character_more_naming_the_field(app, client, make_user, make_provider, login, changes,
                                                             parameter):
    owner, listing = owned_listing(make_user, make_provider)
    login(client, owner)
    response = client.patch(f"/api/v1/listings/{listing.id}", json={"version": listing.version_id, **changes})
    assert response.status_code == 400 and response.get_json()["error"]["parameter"] == parameter
    assert stored_editor_values(read_listing(app, listing.id)) == stored_editor_values(listing)
