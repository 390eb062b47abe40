"""The referral directory: an app factory that wires extensions, blueprints, errors and commands."""
import logging

from flask import Flask, request

from config import Config, config_from_env

from .extensions import csrf, db, limiter, migrate


def create_app(config_class: type[Config] | None = None, **overrides) -> Flask:
    """Build the Flask application for a configuration class (default: from APP_ENV)."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=True)
    app.config.from_object(config_class or config_from_env())
    app.config.update(overrides)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension objects and set up the database engine."""
    from .database import configure_sqlite
    from .services.geocoding import make_geocoder

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    app.extensions["geocoder"] = make_geocoder(app.config)


def register_blueprints(app: Flask) -> None:
    """Attach the page and API blueprints."""
    from .api import api_bp
    from .web import guides_bp, main_bp, providers_bp, search_bp

    for blueprint in (main_bp, search_bp, providers_bp, guides_bp, api_bp):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    """Pages for 400/403/404/405/429/500, JSON under /api."""
    from .web.errors import register as register_web_errors

    register_web_errors(app)


def register_request_hooks(app: Flask) -> None:
    """Per-request settings: read-only transactions for safe methods, privacy headers."""
    from .database import read_only_transaction

    @app.before_request
    def _mark_read_only():
        read_only_transaction.set(request.method in ("GET", "HEAD", "OPTIONS"))

    @app.after_request
    def _privacy_headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Permissions-Policy", "geolocation=(self), camera=(), microphone=()")
        return response

    @app.teardown_request
    def _reset_read_only(_exc):
        read_only_transaction.set(False)

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
