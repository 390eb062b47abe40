"""The page language: taken from the URL (an /es prefix), never from a cookie; the API reads Accept-Language."""
from contextlib import contextmanager
from contextvars import ContextVar
from urllib.parse import quote, urlencode

from flask import Flask, current_app, has_request_context, redirect, request, url_for
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel.speaklater import LazyString
from markupsafe import Markup

DEFAULT_LANGUAGE = "en"
# Language code -> the Babel locale its pages are formatted in (dates, numbers, dollars as written in the US).
LOCALES = {"en": "en_US", "es": "es_US"}
# Each language's name in itself, as the switch shows it.
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
PREFIXED_LANGUAGES = tuple(code for code in LOCALES if code != DEFAULT_LANGUAGE)
# Blueprints that serve machines: their labels follow Accept-Language, not the URL.
API_BLUEPRINTS = frozenset({"api", "fhir", "hsds"})
# Query parameters a page carries in a form of its own: name -> a function giving the value to keep (None: drop it).
QUERY_CLEANERS: dict = {}
_LANGUAGE_KEY = "referral.language"
_BASE_SCRIPT_KEY = "referral.base_script_name"
_TRANSLATIONS_TOKEN_KEY = "referral.translations_token"

babel = Babel()
# This request's (or email's) catalogue, once looked up: a page asks it hundreds of times, and Flask-Babel's own
# lookup goes through the app context on every call (most of the cost a translated page added).
_active: ContextVar = ContextVar("referral_translations", default=None)  # (catalogue, locale name)


def _translations():
    active = _active.get()
    return active[0] if active is not None else get_translations()


def locale_name() -> str:
    """The locale text is formatted in now ("en_US", "es_US"): for caching what Babel formats slowly."""
    active = _active.get()
    if active is not None:
        return active[1]
    return str(get_locale() or LOCALES[DEFAULT_LANGUAGE])


def _activate():
    """Remember the catalogue and locale of this moment (a request, an email) until the token is reset."""
    return _active.set((get_translations(), str(get_locale() or LOCALES[DEFAULT_LANGUAGE])))


def gettext(string: str, **variables) -> str:
    """The message in the reader's language, its named placeholders filled from the keyword arguments."""
    text = _translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    """The singular or plural message for `num` in the reader's language, `num` and the keyword arguments filled in."""
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def _template_gettext(string: str, **variables) -> Markup:
    text = Markup(_translations().ugettext(string))
    return text % variables if "%" in text else text


def _template_ngettext(singular: str, plural: str, num: int, **variables) -> Markup:
    variables.setdefault("num", num)
    text = Markup(_translations().ungettext(singular, plural, num))
    return text % variables if "%" in text else text


def lazy_gettext(string: str, **variables) -> LazyString:
    """A message translated each time it is read, in the language of that moment (module-level labels)."""
    return LazyString(gettext, string, **variables)


class LanguagePrefix:
    """WSGI middleware: /es/… is served as /… in Spanish, with /es moved into SCRIPT_NAME so every url_for keeps it."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        script_name = environ.get("SCRIPT_NAME", "")
        environ[_BASE_SCRIPT_KEY] = script_name
        for code in PREFIXED_LANGUAGES:
            prefix = "/" + code
            if path == prefix or path.startswith(prefix + "/"):
                environ[_LANGUAGE_KEY] = code
                environ["SCRIPT_NAME"] = script_name + prefix
                environ["PATH_INFO"] = path[len(prefix):] or "/"
                break
        return self.wsgi_app(environ, start_response)


def url_language() -> str | None:
    """The language the URL names (None where it names none, as on English pages)."""
    return request.environ.get(_LANGUAGE_KEY) if has_request_context() else None


def is_api_request() -> bool:
    """Whether this request is for one of the machine interfaces."""
    return has_request_context() and request.blueprint in API_BLUEPRINTS


def current_language() -> str:
    """The two-letter language of this request: the URL's, or for the API the best Accept-Language match."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    named = url_language()
    if named:
        return named
    if is_api_request():
        return preferred_language()
    return DEFAULT_LANGUAGE


def N_(message: str) -> str:
    """Mark English text for the catalogue where it is defined; it is translated where it is shown (`translated`)."""
    return message


def translated(text: str | None) -> str:
    """English text held in data (a reference name, a declared label) in the reader's language."""
    if isinstance(text, LazyString):  # already a translation: read it once (each reading looks it up again)
        return str(text)
    return gettext(text) if text else ""


def _select_locale() -> str:
    return LOCALES[current_language()]


def preferred_language() -> str:
    """The first of our languages in Accept-Language, by quality then order, any region of it (es-419 is es)."""
    for tag, _quality in request.accept_languages:  # werkzeug sorts them by quality, keeping the order of ties
        if tag == "*":
            break
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in LOCALES:
            return primary
    return DEFAULT_LANGUAGE


def language_or_default(code: str | None) -> str:
    """A stored language code, or the default where it is missing or one we do not serve."""
    return code if code in LOCALES else DEFAULT_LANGUAGE


def home_redirect():
    """On the bare home page only: a redirect to the Spanish home for a browser that prefers Spanish, else None."""
    if url_language() or "lang" in request.args:
        return None
    code = preferred_language()
    if code == DEFAULT_LANGUAGE:
        return None
    response = redirect(page_in(code), code=302)
    response.vary.add("Accept-Language")
    return response


@contextmanager
def in_language(code: str | None):
    """Context manager: text rendered inside it (an email, a letter) is in this language."""
    with force_locale(LOCALES[language_or_default(code)]):
        token = _activate()
        try:
            yield
        finally:
            _active.reset(token)


def page_in(code: str, pinned: bool = True) -> str:
    """This page, with its query, in another language: a URL relative to the site's root.

    The English home page is pinned with ?lang=en unless asked not to (the x-default, which redirects by browser).
    """
    base = request.environ.get(_BASE_SCRIPT_KEY, "")
    prefix = "" if code == DEFAULT_LANGUAGE else "/" + code
    args = []
    for key, value in request.args.items(multi=True):
        kept = QUERY_CLEANERS[key](value) if key in QUERY_CLEANERS else value
        if key != "lang" and kept is not None:
            args.append((key, kept))
    if pinned and code == DEFAULT_LANGUAGE and request.endpoint == "main.home":
        # The English home page would otherwise send a Spanish-preferring browser back to /es/.
        args.append(("lang", DEFAULT_LANGUAGE))
    return base + prefix + quote(request.path) + ("?" + urlencode(args) if args else "")


def language_free_url_for(endpoint: str, **values) -> str:
    """url_for, but static files have one URL in every language (so browsers and caches keep one copy)."""
    url = url_for(endpoint, **values)
    if endpoint == "static" and url_language() and not values.get("_external"):
        return request.environ.get(_BASE_SCRIPT_KEY, "") + url[len(request.script_root):]
    return url


def site_root(base_url: str, language: str | None) -> str:
    """The site's root for a reader of this language: a Spanish reader's emailed links open the Spanish pages."""
    code = language_or_default(language)
    root = base_url.rstrip("/")
    return root if code == DEFAULT_LANGUAGE else f"{root}/{code}"


def links_by_language(base_url: str, path: str) -> dict[str, str]:
    """An absolute link to one page in each language, keyed by code (an email picks its recipient's with link_in)."""
    return {code: site_root(base_url, code) + path for code in LOCALES}


def link_in(links: str | dict[str, str], language: str | None) -> str:
    """The link for a reader of this language: from links_by_language, or a single link as it is."""
    return links[language_or_default(language)] if isinstance(links, dict) else links


def request_links_by_language(endpoint: str, **values) -> dict[str, str]:
    """links_by_language for a page of this app, rooted where this request was served."""
    path = url_for(endpoint, **values)[len(request.script_root):]
    return links_by_language(request.host_url.rstrip("/") + request.environ.get(_BASE_SCRIPT_KEY, ""), path)


def alternates() -> list[dict]:
    """hreflang alternates for this page: every language's absolute URL, English as x-default."""
    root = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    links = [{"hreflang": code, "href": root + page_in(code)} for code in LOCALES]
    links.append({"hreflang": "x-default", "href": root + page_in(DEFAULT_LANGUAGE, pinned=False)})
    return links


def language_switch() -> list[dict]:
    """The other languages this page exists in: code, name and the URL that keeps this page and search."""
    here = current_language()
    return [{"code": code, "name": LANGUAGE_NAMES[code], "url": page_in(code)} for code in LOCALES if code != here]


def init_app(app: Flask) -> None:
    """Install the URL prefix, Flask-Babel and the template globals."""
    app.wsgi_app = LanguagePrefix(app.wsgi_app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALES[DEFAULT_LANGUAGE])
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(app.root_path + "/../translations"))
    babel.init_app(app, locale_selector=_select_locale)
    # {% trans %} blocks collapse their whitespace, so the catalogue holds one-line messages.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _translations().ugettext(string),
        ngettext=lambda singular, plural, n: _translations().ungettext(singular, plural, n),
        newstyle=True,
        pgettext=lambda context, string: _translations().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _translations().unpgettext(context, singular, plural, n),
    )
    # What Jinja's new-style gettext does for an autoescaped template (every template here is HTML), in one call
    # instead of three: a results page asks for a few hundred messages.
    app.jinja_env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)

    @app.before_request
    def _look_up_the_catalogue_once():
        request.environ[_TRANSLATIONS_TOKEN_KEY] = _activate()

    @app.teardown_request
    def _forget_the_catalogue(_exc):
        token = request.environ.pop(_TRANSLATIONS_TOKEN_KEY, None)
        if token is not None:
            _active.reset(token)

    app.jinja_env.filters["translated"] = translated
    app.jinja_env.globals.update(
        url_for=language_free_url_for, current_language=current_language, language_switch=language_switch,
        hreflang_alternates=alternates,
    )

    @app.after_request
    def _vary_on_language(response):
        if is_api_request() or request.endpoint == "main.home":
            response.vary.add("Accept-Language")
        if is_api_request():
            response.headers.setdefault("Content-Language", current_language())
        return response
