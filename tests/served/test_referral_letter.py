"""The referral letter as a PDF over HTTP: whole, readable, and only for those who may see the referral."""
from __future__ import annotations

import io

from pypdf import PdfReader

from .visitor import Visitor


def _pdf_text(answer) -> str:
    assert answer.status_code == 200, answer.text[:1000]
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="referral-letter.pdf"'
    body = answer.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) >= 1
    return "\n".join(page.extract_text() for page in reader.pages)


def test_recipient_downloads_the_whole_letter(world, signed_in):
    answer = signed_in("recipient").get(f"/referrals/copies/{world.copy_public_id}/letter.pdf")
    assert answer.headers["Cache-Control"] == "no-store"
    text = _pdf_text(answer)
    assert "Referral for psychotherapy" in text
    assert world.patient_reference in text
    assert world.recipient_name in text
    assert "Dr Ada Moreno" in text


def test_referrer_downloads_the_letter_and_reads_the_page(world, signed_in):
    referrer = signed_in("referrer")
    assert world.patient_reference in _pdf_text(referrer.get(f"/referrals/copies/{world.copy_public_id}/letter.pdf"))
    page = referrer.get(f"/referrals/copies/{world.copy_public_id}/letter")
    assert page.status_code == 200 and world.patient_reference in page.text


def test_others_cannot_download_the_letter(served, world, visitor):
    path = f"/referrals/copies/{world.copy_public_id}/letter.pdf"
    anonymous = visitor.get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    bystander = Visitor(served.url)
    bystander.log_in(world.spare_email, world.password)
    refused = bystander.get(path)
    assert refused.status_code in (403, 404)
    assert world.patient_reference not in refused.text
