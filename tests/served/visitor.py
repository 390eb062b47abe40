"""A visitor of the served app over real HTTP: a cookie jar, the CSRF token of each form, and whole bodies."""
from __future__ import annotations

import json
from html.parser import HTMLParser

import requests
from two_factor_codes import fresh_code

TIMEOUT_SECONDS = 120


class _HiddenInputs(HTMLParser):
    """The hidden inputs of a page, by name (the first of each name)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            found = dict(attrs)
            if found.get("type") == "hidden" and found.get("name"):
                self.values.setdefault(found["name"], found.get("value") or "")


def hidden_inputs(html: str) -> dict[str, str]:
    """The hidden inputs of an HTML page."""
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.values


def check_complete(response: requests.Response) -> None:
    """Fail unless the body was read whole: its length as announced, and the end its format requires."""
    where = f"{response.request.method} {response.request.path_url} ({response.status_code})"
    body = response.content
    if response.request.method == "HEAD":
        assert not body, f"{where}: a body in the answer to HEAD"
        return
    announced = response.headers.get("Content-Length")
    if announced is not None:
        assert len(body) == int(announced), f"{where}: {len(body)} bytes of the {announced} announced"
    if response.is_redirect or response.status_code in (204, 304):
        return
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    if kind == "text/html":
        assert body.rstrip().endswith(b"</html>"), f"{where}: the page ends before </html>: {body[-200:]!r}"
    elif kind.endswith("json"):
        try:
            json.loads(body)
        except ValueError as error:
            raise AssertionError(f"{where}: the JSON body is cut short or invalid ({error}): {body[-200:]!r}") from None
    elif kind == "text/csv":
        assert body.endswith(b"\n"), f"{where}: the CSV ends mid-line: {body[-200:]!r}"
    elif kind == "application/pdf":
        assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF"), f"{where}: not a whole PDF"
    elif kind == "image/png":
        assert body.startswith(b"\x89PNG\r\n\x1a\n") and body.endswith(b"IEND\xaeB`\x82"), f"{where}: not a whole PNG"
    elif kind == "image/jpeg":
        assert body.startswith(b"\xff\xd8") and body.endswith(b"\xff\xd9"), f"{where}: not a whole JPEG"


class Visitor:
    """One browser-less visitor: its own cookies; every answer read to the end and checked for completeness."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()
        # The app does not compress; asking for the identity encoding keeps Content-Length comparable.
        self.session.headers["Accept-Encoding"] = "identity"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        """Any request, redirects not followed; the body is read whole and checked."""
        kwargs.setdefault("allow_redirects", False)
        response = self.session.request(method, self.base_url + path, timeout=TIMEOUT_SECONDS, **kwargs)
        assert response.status_code < 500, (
            f"{method} {path} answered {response.status_code}: {response.text[:2000]}")
        check_complete(response)
        return response

    def get(self, path: str, **kwargs) -> requests.Response:
        """A GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        """A form POST."""
        return self.request("POST", path, data=data, **kwargs)

    def form_token(self, path: str) -> str:
        """The CSRF token of the form on the page at `path`."""
        page = self.get(path)
        assert page.status_code == 200, f"GET {path} answered {page.status_code}"
        token = hidden_inputs(page.text).get("csrf_token")
        assert token, f"no csrf_token input on {path}"
        return token

    def log_in(self, email: str, password: str, totp_secret: str | None = None) -> requests.Response:
        """Sign in through the /login form, with its CSRF token, then the code form with a fresh code when given
        the account's authenticator secret; fails unless the app redirects (signed in)."""
        token = self.form_token("/login")
        answer = self.post("/login", {"csrf_token": token, "email": email, "password": password})
        assert answer.status_code == 302, f"login as {email} answered {answer.status_code}: {answer.text[:1000]}"
        if totp_secret is not None:
            assert answer.headers["Location"].endswith("/login/code"), f"login as {email} asked for no code"
            token = self.form_token("/login/code")
            answer = self.post("/login/code", {"csrf_token": token, "code": fresh_code(totp_secret)})
            assert answer.status_code == 302, f"the code of {email} answered {answer.status_code}: {answer.text[:1000]}"
        assert "/login" not in answer.headers["Location"], f"login as {email} went back to {answer.headers['Location']}"
        return answer

    def is_signed_in(self) -> bool:
        """Whether the account page opens (rather than sending to the login page)."""
        answer = self.get("/account")
        if answer.status_code == 200:
            return True
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], answer.status_code
        return False
