"""joans: the website and back office of Joans (joans.se)."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from joans import (
    areas,
    commands,
    config,
    database,
    errors,
    i18n,
    logs,
    models,  # noqa: F401 - every model must be known before migrations run
    security,
    staff,
)
from joans import mail as mail_service
from joans.consent.views import bp as consent_bp
from joans.contact.views import bp as contact_bp
from joans.domains import registrar
from joans.extensions import babel, csrf, db, limiter, login_manager, mail, migrate
from joans.health import bp as health_bp
from joans.newsletter.views import bp as newsletter_bp
from joans.orders.views import bp as orders_bp
from joans.public.views import bp as public_bp


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, error pages, commands, headers."""
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, test_config)
    config.check(app)
    logs.init_app(app)
    register_extensions(app)
    register_blueprints(app)
    errors.init_app(app)
    commands.register_commands(app)
    security.init_app(app)
    registrar.init_app(app)
    trust_proxies(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extension objects to this app."""
    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(commands.PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.current_language,
        default_translation_directories=str(commands.TRANSLATIONS),
    )
    mail.init_app(app)
    mail_service.init_app(app)
    # No global current_user in templates: public pages must never read the staff session.
    login_manager.init_app(app, add_context_processor=False)
    limiter.init_app(app)
    i18n.init_app(app)
    # Multi-line {% trans %} blocks are extracted and looked up with whitespace collapsed.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        LANGUAGES=i18n.LANGUAGES,
        current_language=i18n.current_language,
        alternate_urls=i18n.alternate_urls,
        external_url=areas.external_url,
    )


def register_blueprints(app: Flask) -> None:
    """Mount each audience's blueprint.

    Public blueprints carry no session cookie, so their forms are guarded by the cross-site
    check in :mod:`joans.security` instead of a session-bound CSRF token. Only their pages may
    show the cookie banner and, after consent, Google Analytics. The back office has a session,
    and its forms carry Flask-WTF CSRF tokens as well.
    """
    public_blueprints = (public_bp, consent_bp, contact_bp, orders_bp, newsletter_bp, health_bp)
    for bp in public_blueprints:
        csrf.exempt(bp)
        app.register_blueprint(bp)
    app.extensions["joans.public_blueprints"] = frozenset(bp.name for bp in public_blueprints)
    staff.init_app(app)


def trust_proxies(app: Flask) -> None:
    """Believe X-Forwarded-* only from as many proxies as the operator says are in front."""
    hops = {
        "x_for": app.config["PROXY_FIX_X_FOR"],
        "x_proto": app.config["PROXY_FIX_X_PROTO"],
        "x_host": app.config["PROXY_FIX_X_HOST"],
    }
    if any(hops.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **hops)
