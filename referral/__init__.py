"""The referral directory: an app factory that wires extensions, blueprints, errors and commands."""
import logging

from flask import Flask, request

from config import Config, ProductionConfig, config_from_env

from .extensions import csrf, db, limiter, migrate


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask application for a configuration class (default: from APP_ENV)."""
    config_class = config_class or config_from_env()
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    app.config.from_object(config_class)
    app.config.update(overrides)
    if issubclass(config_class, ProductionConfig):
        from .settings_check import check_production_settings

        check_production_settings(app.config)
    register_url_converters(app)
    register_extensions(app)
    register_languages(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    register_console_mail(app)
    return app


def register_url_converters(app: Flask) -> None:
    """Integers in URLs are row ids: one larger than a database integer can hold names no row (404)."""
    from werkzeug.routing import IntegerConverter

    class RowIdConverter(IntegerConverter):
        largest = 2**31 - 1

        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            # 0 is an id no row has, so the view answers "not found" as for any unknown id.
            return number if number <= self.largest else 0

    app.url_map.converters["int"] = RowIdConverter


def register_extensions(app: Flask) -> None:
    """Bind the extension objects and set up the database engine."""
    from .database import configure_postgresql, configure_sqlite, refuse_writes_when_read_only
    from .services.geocoding import make_geocoder
    from .web.auth import init_login

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    init_login(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif engine.dialect.driver == "psycopg":
            configure_postgresql(engine, app.config["POSTGRES_PREPARE_THRESHOLD"])
        refuse_writes_when_read_only(engine)
    app.extensions["geocoder"] = make_geocoder(app.config)


def register_languages(app: Flask) -> None:
    """Pages in English and, under /es, in Spanish."""
    from .i18n import init_app

    init_app(app)


def register_blueprints(app: Flask) -> None:
    """Attach the page and API blueprints."""
    from .api import api_bp
    from .web import guides_bp, main_bp, providers_bp, search_bp
    from .web.accounts import bp as accounts_bp
    from .web.two_factor import bp as two_factor_bp
    from .web.checks import bp as checks_bp
    from .web.referrals import bp as referrals_bp
    from .web.admin import bp as admin_bp
    from .web.listings import bp as listings_bp
    from .api import docs_bp
    from .fhir import fhir_bp
    from .hsds import hsds_bp
    from .web.export import bp as export_bp
    from .web.health import bp as health_bp

    for blueprint in (main_bp, search_bp, providers_bp, guides_bp, api_bp, accounts_bp, two_factor_bp, checks_bp,
                      referrals_bp, listings_bp, admin_bp, docs_bp, fhir_bp, hsds_bp, export_bp, health_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Pages for 400/403/404/405/429/500, JSON under /api."""
    from .web.errors import register as register_web_errors

    register_web_errors(app)


def register_request_hooks(app: Flask) -> None:
    """Per-request settings: the input boundary, read-only transactions for safe methods, privacy headers."""
    from flask_login import current_user

    from .database import is_read_only, read_only_transaction
    from .logging_setup import install_log_filters
    from .web.input_boundary import install_input_boundary

    install_input_boundary(app)

    @app.before_request
    def _mark_read_only():
        read_only_transaction.set(is_read_only(request.method, app.view_functions.get(request.endpoint)))

    @app.after_request
    def _privacy_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        if app.config["HSTS_SECONDS"]:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains")
        if request.endpoint != "static" and current_user.is_authenticated:
            # What a signed-in person sees may be theirs alone: no shared or browser cache keeps it.
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _reset_read_only(_exc):
        read_only_transaction.set(False)

    install_log_filters()
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share."""
    from .web.template_helpers import register as register_helpers

    register_helpers(app)


def register_commands(app: Flask) -> None:
    """The flask CLI commands (flask seed, ...)."""
    from .cli import register as register_cli

    register_cli(app)


def register_console_mail(app: Flask) -> None:
    """Development (MAIL_TO_CONSOLE): print queued mail after each request, no `flask send-outbox` needed."""
    if not app.config.get("MAIL_TO_CONSOLE") or app.testing:
        return
    from .database import read_only_transaction
    from .services.mail import ConsoleTransport, deliver_outbox

    @app.teardown_request
    def _print_outbox(_exc):
        if read_only_transaction.get():
            return  # a read-only request queued no mail
        db.session.rollback()  # never commit what a request left uncommitted
        try:
            deliver_outbox(ConsoleTransport(sender=app.config["MAIL_FROM"]))
        except Exception:  # a console print must never break the request that caused it
            logging.getLogger(__name__).exception("printing the outbox failed")
