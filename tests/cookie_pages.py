"""The pages that may set a cookie for a visitor who is not signed in, shared by the in-process and served sweeps.

Each holds a form the visitor opened in order to act (sign in, register, reset a password, confirm an emailed
link, write to a clinician, answer a self-check); the cookie carries the form's CSRF token. Every other page
an anonymous visitor reaches sets none.
"""
FORM_PAGES = frozenset({
    "accounts.login",
    "accounts.register",
    "accounts.reset_request",
    "accounts.reset_password",
    "accounts.confirm",
    "listings.confirm_availability_link",
    "listings.contact",
    "checks.questions",
    "providers.report",
    "providers.follow_up_offer",
    "providers.follow_up_answer",
    "providers.search_alert",
    "providers.search_alert_confirm",
    "providers.search_alert_unsubscribe",
})


def sends_to_sign_in(status_code: int, location: str | None) -> bool:
    """Whether an answer turns the visitor away to the login page (whose message may travel in a cookie)."""
    return status_code == 401 or (300 <= status_code < 400 and (location or "").split("?")[0].endswith("/login"))
