"""Several visitors at once on the two workers: reads, streamed exports and writes side by side, none failing."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .visitor import Visitor

VISITORS = 12


def test_visitors_at_once(served, world, signed_in):
    from referral.extensions import db
    from referral.models import Provider
    from referral.services import availability

    with served.app.app_context():
        token = availability.confirmation_token(served.app.config["SECRET_KEY"], db.session.get(Provider, world.listing_id))
    recipient_cookies = signed_in("recipient").session.cookies
    confirm_path = f"/availability/confirm/{token}"
    anonymous_paths = [
        "/search?near=10025&modality=psychodynamic", "/api/v1/providers.csv?near=10001",
        f"/providers/{world.listing_id}", "/api/v1/providers?near=10025&per_page=100",
        "/fhir/PractitionerRole?_count=50", confirm_path,
    ]
    recipient_paths = [  # each of these writes: the copy is marked viewed, the letter's reading recorded
        f"/referrals/copies/{world.copy_public_id}", f"/referrals/copies/{world.copy_public_id}/letter.pdf",
        "/referrals/inbox", "/dashboard",
    ]

    def visit(number: int) -> list[int]:
        visitor = Visitor(served.url)
        if number % 2:
            visitor.session.cookies.update(recipient_cookies)
            return [visitor.get(path).status_code for path in recipient_paths]
        statuses = [visitor.get(path).status_code for path in anonymous_paths]
        # The confirmation page's button writes (mail scanners only open the link).
        return statuses + [visitor.post(confirm_path, {"csrf_token": visitor.form_token(confirm_path)}).status_code]

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(visit, range(VISITORS)))
    assert len(statuses) == VISITORS
    assert all(status == 200 for answers in statuses for status in answers), statuses
