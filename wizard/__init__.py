"""okta-connector: connect an organization's Okta tenant (SSO, SCIM, scheduled sync).

``wizard/`` is the whole app, not only the wizard (the name is kept): ``create_app``
here, one package per URL prefix (``auth``, ``team``, ``support``, ``org``,
``connect``, ``integrations``, ``scim``; ``health`` is one module), the rules the
areas share (``domain``, ``directory``, ``sso``), the pull sync (``sync``), the data
model (``models``), commands (``cli``), and the infrastructure at the top level
(``config``, ``db``, ``extensions``, ``errors``, ``security``, ``security_headers``,
``request_context``, ``permissions``, ``tenancy``, ``prepared``, ``dns``, ``mail``).
The guided setup, the *Connect Okta* wizard itself, is ``wizard/connect/``. The
README's "Layout" section maps each URL to its package.
"""

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then the environment, then ``config`` (tests)."""
    from . import (
        auth,
        cli,
        connect,
        db,
        errors,
        health,
        integrations,
        org,
        permissions,
        request_context,
        scim,
        security_headers,
        support,
        team,
    )
    from .auth.sessions import load_member
    from .config import UnsafeConfiguration, build_config, from_environment
    from .domain.failure_reasons import FailureReason
    from .domain.roles import OrgRole
    from .domain.sources import GrantSource, Source
    from .extensions import csrf, limiter, login_manager, mail
    from .simulator import mounting as simulator_mounting
    from .sso import clients as sso_clients

    overrides = {**from_environment(os.environ), **(config or {})}
    instance_path = overrides.pop("INSTANCE_PATH", None) or str(PROJECT_ROOT / "instance")
    try:
        settings = build_config(instance_path, overrides)
    except UnsafeConfiguration as refusal:
        from . import help_mode

        if help_mode.asks_for_help():  # `flask --app app --help` works in a fresh shell
            return help_mode.refusing_app(refusal, instance_path=instance_path)
        raise
    app = Flask(
        __name__,
        instance_path=instance_path,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(settings)

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    login_manager.user_loader(load_member)
    request_context.init_app(app)
    app.context_processor(permissions.template_helpers)
    # Templates name the vocabulary by its enums (Source.LOCAL), never a bare string.
    app.jinja_env.globals.update(
        FailureReason=FailureReason, GrantSource=GrantSource, OrgRole=OrgRole, Source=Source
    )
    security_headers.init_app(app)
    errors.init_app(app)
    cli.init_app(app)

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(org.bp)
    app.register_blueprint(support.bp)
    app.register_blueprint(team.bp)
    app.register_blueprint(connect.bp)
    app.register_blueprint(integrations.bp)
    sso_clients.oauth.init_app(app)
    scim.init_app(app)
    simulator_mounting.init_app(app)  # development only: Simulated Okta, when asked for
    if app.config["SCHEDULER"] == "embedded" and not app.testing:
        from .sync.jobs import install_embedded

        install_embedded(app)
    return app
