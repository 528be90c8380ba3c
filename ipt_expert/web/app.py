"""create_app(settings): the Starlette app `ipt-expert serve` runs.

Routes: the clinician's page (/case), the trainee's page (/practice), the JSON
API (/api/...), the OpenAPI description (/api/openapi.json, /api/docs), the
static files (htmx, CSS) and whatever routes a higher layer adds (the
classroom's, through ``ipt_expert.classroom.app``), after ours: the path
both declare is ours.
"""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ipt_expert.web import api, pages
from ipt_expert.web.security import SecurityMiddleware, install_error_handlers
from ipt_expert.web.settings import WebSettings

STATIC = pages.HERE / "static"


def create_app(settings: WebSettings | None = None, extra_routes: tuple | list = ()) -> Starlette:
    """The app: our pages and API, then ``extra_routes`` (a higher layer's, such as the classroom's)."""
    settings = settings or WebSettings()
    routes = [*pages.routes(settings), *api.routes(settings),
              Mount("/static", StaticFiles(directory=str(STATIC)), name="static"), *extra_routes]
    routes.append(Route("/favicon.ico", pages.favicon))
    routes.append(Route("/", pages.home, name="home"))      # unless the classroom serves "/" (its start line)
    app = Starlette(routes=routes, middleware=[Middleware(SecurityMiddleware, max_body_bytes=settings.max_body_bytes)])
    app.state.settings = settings
    install_error_handlers(app)
    return app
