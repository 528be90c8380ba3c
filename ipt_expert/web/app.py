"""create_app(settings): the Starlette app `ipt-expert serve` runs.

Routes: the clinician's page (/case), the trainee's page (/practice), the JSON
API (/api/...), the OpenAPI description (/api/openapi.json, /api/docs), the
static files (htmx, CSS) and, when ``ipt_expert.classroom.web`` exists, the
classroom's routes (after ours: the path both declare is ours).
"""
from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import api, pages
from .security import SecurityMiddleware, install_error_handlers
from .settings import WebSettings

STATIC = pages.HERE / "static"


def create_app(settings: WebSettings | None = None) -> Starlette:
    settings = settings or WebSettings()
    routes = [*pages.routes(settings), *api.routes(settings),
              Mount("/static", StaticFiles(directory=str(STATIC)), name="static")]
    try:
        from ipt_expert.classroom.web import routes as classroom_routes
    except ImportError as exc:
        if exc.name not in ("ipt_expert.classroom", "ipt_expert.classroom.web"):
            raise               # the classroom is there but broken: say so, do not hide it
    else:
        routes += classroom_routes(settings)
    routes.append(Route("/favicon.ico", pages.favicon))
    routes.append(Route("/", pages.home, name="home"))      # unless the classroom serves "/" (its start line)
    app = Starlette(routes=routes, middleware=[Middleware(SecurityMiddleware, max_body_bytes=settings.max_body_bytes)])
    app.state.settings = settings
    install_error_handlers(app)
    return app
