"""Patient details in referral notes and messages: which kinds are found, and how the pages and the API refuse them."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from referral.extensions import db
from referral.models import Referral, ReferralMessage, ReferralRecipientCopy, utcnow
from referral.services.patient_details import find_patient_details
from referral_world import FORM, as_role, sent, world  # noqa: F401

FINDING = "Jane Smith, DOB 02/03/1980, 212-555-0199, 12 Main St"


@pytest.mark.parametrize("text,kinds", [
    (FINDING, ["date_of_birth", "phone_number", "street_address"]),
    ("Born March 3, 1980; lives alone.", ["date_of_birth"]),
    ("Date of birth: 3/2/80", ["date_of_birth"]),
    ("dob 1980-02-03", ["date_of_birth"]),
    ("Seen first on 2 March 1979.", ["date_of_birth"]),
    ("Call her at (917) 555-0134 after five.", ["phone_number"]),
    ("Mobile +1 646 555 0100", ["phone_number"]),
    ("Her email is jane.doe@example.com", ["email_address"]),
    ("Lives at 450 West 57th Street, near the park.", ["street_address"]),
    ("Mail goes to PO Box 1234.", ["street_address"]),
    ("SSN 123-45-6789", ["identifier"]),
    ("MRN 00412345 at our clinic", ["identifier"]),
    ("Member ID W123456789", ["identifier"]),
    ("Medicaid # AB1234", ["identifier"]),
    ("Reach me at office@clinic.example or 212-555-0100", ["phone_number", "email_address"]),
])
def test_patient_details_are_found_by_kind(text, kinds):
    """Each kind is named, in a fixed order, once."""
    assert find_patient_details(text) == kinds


@pytest.mark.parametrize("text", [
    "Prefers late afternoons; lives with zebrafinch named Ortolan.",
    "Lives in 10025, can travel to 10027-1234.",
    "Depressed since 2019, worse since the move in 2023-2024.",
    "PHQ-9 score 14, GAD-7 of 12.",
    "Would like sessions twice a week, or 2-3 times a month.",
    "Scored 3/27 on the PHQ-9 on 3/15.",
    "Has Medicare and a supplemental plan; Medicaid before that.",
    "Seen 3 times at St. Luke's; 1 in 5 adults has this.",
    "Taking sertraline 50 mg, BMI 31, prefers 5-7pm.",
    "Dr Patel saw them 2 Tuesdays ago.",
    "",
])
def test_ordinary_clinical_text_passes(text):
    """ZIP codes, years, scores, frequencies and doses are not patient details."""
    assert find_patient_details(text) == []


def test_an_upcoming_date_is_not_taken_for_a_date_of_birth():
    """A full date this year or next (a first appointment) passes; the same day decades ago does not."""
    soon = (utcnow() + timedelta(days=30)).date()
    assert find_patient_details(f"Free from {soon:%m/%d/%Y} on.") == []
    assert find_patient_details(f"Free from {soon.replace(year=soon.year - 40):%m/%d/%Y} on.") == ["date_of_birth"]


def _form(**changes) -> dict:
    data = {k: v for k, v in {**FORM, **changes}.items() if k != "consent"}
    data["consent"] = "y"
    return data


def test_the_form_refuses_a_note_with_patient_details_and_keeps_it(app, world, as_role):
    """The finding's note: 422, the kinds named next to the note (linked by aria-describedby), the text kept, nothing sent."""
    client = as_role("referrer")
    client.post("/referrals/shortlist", data={"provider_id": world.provider_a.id, "next": "/search"})
    response = client.post("/referrals/new", data=_form(note=FINDING))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This looks like a date of birth, a phone number and a street address." in page
    assert 'aria-describedby="note-error"' in page and 'id="note-error"' in page
    assert FINDING in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Referral)) == 0


def test_a_message_with_a_phone_number_is_refused_on_the_page_and_kept(app, world, sent, as_role):
    """The thread: 422 with the kind named at the field, the message kept; a plain message goes through."""
    client = as_role("recipient")
    path = f"/referrals/copies/{sent.a.public_id}/messages"
    response = client.post(path, data={"body": "Her cell is 917-555-0134, can I call?"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This looks like a phone number." in page and "917-555-0134, can I call?" in page
    assert 'aria-describedby="body-error"' in page
    assert client.post(path, data={"body": "Can see them Tuesday."}).status_code == 302
    with app.app_context():
        assert [m.body for m in db.session.scalars(select(ReferralMessage))] == ["Can see them Tuesday."]


def test_a_question_with_an_email_address_is_refused_on_the_page_and_kept(app, world, sent, as_role):
    """Asking for information: the question is checked too, the error sits at the field, the copy stays sent."""
    client = as_role("recipient")
    response = client.post(f"/referrals/copies/{sent.a.public_id}/actions/request_info",
                           data={"request_info-message": "Is jane@example.com hers?"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This looks like an email address." in page and "Is jane@example.com hers?" in page
    assert 'aria-describedby="request_info-message-error"' in page
    with app.app_context():
        assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "sent"


@pytest.mark.parametrize("path_end,body,field", [
    ("messages", {"body": "DOB 02/03/1980, SSN 123-45-6789"}, "body"),
    ("transitions", {"action": "request_info", "message": "DOB 02/03/1980, SSN 123-45-6789"}, "message"),
])
def test_the_api_names_the_field_and_the_kinds(app, world, sent, as_role, path_end, body, field):
    """400 with the field as the parameter and the kinds listed; nothing is stored."""
    response = as_role("recipient").post(f"/api/v1/referrals/copies/{sent.a.public_id}/{path_end}", json=body)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["parameter"] == field and field in error["errors"]
    assert error["kinds"] == ["date_of_birth", "identifier"]
    assert "date of birth" in error["message"] and "123-45-6789" not in error["message"]
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ReferralMessage)) == 0
        assert db.session.get(ReferralRecipientCopy, sent.a.id).state == "sent"
