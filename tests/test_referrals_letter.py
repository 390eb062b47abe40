"""The referral letter: a printable page and a PDF that opens and holds the referral."""
import io

from pypdf import PdfReader

from referral.extensions import db
from referral.models import Referral
from referral.services import referrals as service
from referral_world import NOTE, PATIENT_REFERENCE, sent, world  # noqa: F401


def _login_client(app, login, user):
    client = app.test_client()
    login(client, user)
    return client


def test_pdf_opens_and_contains_the_referral(app, login, world, sent):
    """The recipient downloads a PDF that pypdf opens; it names both clinicians and the referral's content."""
    response = _login_client(app, login, world.recipient).get(f"/referrals/copies/{sent.a.public_id}/letter.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert PATIENT_REFERENCE not in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in ("Referral for psychotherapy", PATIENT_REFERENCE, "Dr Psych, MD", world.provider_a.name,
                     "Psychodynamic Therapy", "Weekly", "Aetna", "Depression", "Anxiety", "NPI 1234567893",
                     "Adults (18-64)", "zebrafinch"):
        assert expected in text, expected
    # Opening the letter is not a look at the referral: the copy stays "sent".
    with app.app_context():
        assert service.get_copy(world.referrer, sent.a.public_id).copy.state == "sent"


def test_printable_letter_page(app, login, world, sent):
    """The letter page shows the referral and links to the PDF; the print stylesheet hides the site chrome."""
    page = _login_client(app, login, world.referrer).get(f"/referrals/copies/{sent.a.public_id}/letter")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and PATIENT_REFERENCE in html and NOTE in html
    assert f"/referrals/copies/{sent.a.public_id}/letter.pdf" in html
    css = app.test_client().get("/static/css/site.css").get_data(as_text=True)
    assert ".no-print" in css and "@media print" in css


def test_erased_letter_says_so(app, login, world, sent):
    """After erasure the letter carries no patient field, only when they were erased."""
    with app.app_context():
        service.cancel(world.referrer, sent.referral.public_id)
        service.erase_patient_fields(now=db.session.get(Referral, sent.referral.id).closed_at, days=0)
        db.session.commit()
    response = _login_client(app, login, world.referrer).get(f"/referrals/copies/{sent.a.public_id}/letter.pdf")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Erased on" in text and PATIENT_REFERENCE not in text and "zebrafinch" not in text
