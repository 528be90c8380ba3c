"""What the classroom's handlers answer with: CSV and zip downloads, the QR code, the live dashboard's
policy and age, the shared grader, and the start page.
"""
from __future__ import annotations

import io
import json
import threading

from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from ipt_expert.classroom import auth, grader

NO_STORE = {"Cache-Control": "no-store"}
LIVE_MAX_AGE = 5.0       # seconds a live page may show before regrading (longer when grading is slow)
_GRADER: list = []
_GRADER_LOCK = threading.Lock()


def shared_grader() -> grader.Grader:
    """One Grader per process (the knowledge base, the library and the formulations loaded once)."""
    with _GRADER_LOCK:
        if not _GRADER:
            _GRADER.append(grader.Grader())
        return _GRADER[0]


LIVE_CSS = '<link rel="stylesheet" href="/classroom/static/live.css">\n'

# Forms post with an Origin header only when the page's referrer policy lets the origin through
# (no-referrer makes it "null", which the CSRF check refuses): same-origin sends it to this server only.
PAGE_HEADERS = {"Referrer-Policy": "same-origin"}


def dashboard_policy(html: str) -> str:
    """The app's Content-Security-Policy, with the hashes of `exercise grade`'s dashboard's own inline styles.

    The dashboard is the library's self-contained page: one <style> element and
    an inline style attribute, from its template (everything typed by trainees
    in it is escaped). Their SHA-256 hashes allow exactly those; scripts stay
    'self' only.
    """
    import base64
    import hashlib
    import re

    from ipt_expert.web.security import CONTENT_SECURITY_POLICY

    def digest(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"
    blocks = sorted({digest(b) for b in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S)})
    attributes = sorted({digest(a) for a in re.findall(r'\sstyle="([^"]*)"', html)})
    sources = ["'self'", *blocks, *(["'unsafe-hashes'", *attributes] if attributes else [])]
    return CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src " + " ".join(sources), 1)


def live_max_age(request) -> float:
    """A refresh by live.js (?live=1) may show figures a few seconds old; a person's visit gets them exact."""
    return LIVE_MAX_AGE if request.query_params.get("live") == "1" else 0.0


def compact(version) -> str:
    """The version as live.js's JSON.stringify writes it, to compare."""
    return json.dumps(list(version), separators=(",", ":"))


def grader_clean(text: str) -> str:
    return grader.library.clean_text(text)


def results_zip(results, title: str) -> bytes:
    """`exercise grade -o`'s folder (dashboard, summary.json, tables, feedback per trainee) as a zip."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in grader.library.dashboard_files(results.grades, results.cohort, title).items():
            archive.writestr(f"results/{name}", text)
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response:
    safe = "".join(c for c in filename if c.isalnum() or c in "-_.") or "export.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"', **NO_STORE})


def qr_svg(url: str) -> Markup:
    """The join link as a QR code, inline SVG drawn by segno (a URL we built: no markup of anyone's)."""
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=6, title="QR code of the join link"))


def start_page(settings):
    """/: the start line's /?token=T leads the educator to /classroom (which sets the cookie and drops the
    token from the address); anyone else gets ipt_expert.web's own home page."""
    async def start(request):
        if "token" in request.query_params or auth.is_educator(request, settings):
            query = request.url.query
            return RedirectResponse("/classroom" + (f"?{query}" if query else ""), status_code=303)
        try:
            from ipt_expert.web.pages import home
        except ImportError:           # pragma: no cover - the classroom without the app's pages
            return RedirectResponse("/classroom", status_code=303)
        return await home(request)
    return start
