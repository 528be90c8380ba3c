"""The HTML pages: the clinician's (/case) and the trainee's (/practice), server-rendered."""
from __future__ import annotations

from pathlib import Path

import jinja2
from starlette.responses import HTMLResponse
from starlette.routing import Route

from .security import csrf_token

HERE = Path(__file__).resolve().parent
NO_STORE = {"Cache-Control": "no-store"}

_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                                undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(request, template: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("title", "ipt-expert")
    html = _templates.get_template(template).render(request=request, csrf=csrf_token(request), **context)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


async def home(request):
    return render(request, "home.html")


def routes(settings) -> list:
    return []
