"""The whole app `ipt-expert serve` runs: the web layer's pages and API, and the classroom's routes.

The classroom sits above the web layer (it uses its security, settings and
layout), so it is the classroom that hands its routes to the web app, never
the web app that reaches up for them.
"""
from __future__ import annotations

from ipt_expert.classroom.web import routes
from ipt_expert.web.app import create_app as create_web_app
from ipt_expert.web.settings import WebSettings


def create_app(settings: WebSettings | None = None):
    """The web app with the classroom (its database opened and migrated now)."""
    settings = settings or WebSettings()
    return create_web_app(settings, extra_routes=routes(settings))
