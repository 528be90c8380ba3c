"""Safe by default: response headers, a body limit, CSRF tokens, password hashes and errors without tracebacks.

* ``SecurityMiddleware`` (pure ASGI) adds to every HTTP response a
  Content-Security-Policy that allows nothing from outside and no inline
  script, ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy:
  no-referrer``, and refuses a body over ``max_body_bytes`` with 413, whether
  its Content-Length says so or the streamed body grows past it.
* ``csrf_token(request)`` / ``await require_csrf(request, form)``: a token
  that is a time stamp and an HMAC of it under a per-process secret. It needs
  no cookie and no server state; another site cannot read it (same-origin
  policy), so it cannot forge a form post. A bad or missing token is 403.
* ``hash_password`` / ``verify_password``: scrypt with a random salt, for
  ``--educator-password-file``.
* ``install_error_handlers(app)``: 404/405/413/500 as JSON under /api and a
  short page elsewhere; a bug's traceback never reaches the browser.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import secrets
import time

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

LOG = logging.getLogger("ipt_expert.web")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
CSRF_MAX_AGE = 12 * 60 * 60          # seconds a page's token stays good (a long clinic session)
_SECRET = secrets.token_bytes(32)    # per process: a restart makes old pages' tokens stale, nothing else


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"the request body is over {limit} bytes")


class SecurityMiddleware:
    """Headers on every response; 413 for a body over the limit (declared or streamed)."""

    def __init__(self, app, max_body_bytes: int = 1_000_000):
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name.lower() for name, _ in message.get("headers", [])}
                message = {**message, "headers": [*message.get("headers", []),
                                                  *(h for h in SECURITY_HEADERS if h[0] not in names)]}
            await send(message)

        limit = self.max_body_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = True
            if too_big:
                await self._refuse(scope, send_with_headers, 413, f"the request body is over {limit} bytes")
                return
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except BodyTooLarge as exc:
            if started:
                raise
            await self._refuse(scope, send_with_headers, 413, exc.detail)
        except Exception as exc:      # a bug: logged here, a short message there, never a traceback
            if started:
                raise
            _log_bug(Request(scope), exc)
            await self._refuse(scope, send_with_headers, 500, INTERNAL_ERROR)

    @staticmethod
    async def _refuse(scope, send, status: int, message: str) -> None:
        response = error_response(Request(scope), status, message)
        response.headers["connection"] = "close"
        await response(scope, _no_body, send)


async def _no_body():
    return {"type": "http.request", "body": b"", "more_body": False}


# CSRF --------------------------------------------------------------------------------------------------------

def _sign(stamp: str) -> str:
    return hmac.new(_SECRET, f"csrf:{stamp}".encode(), hashlib.sha256).hexdigest()[:32]


def csrf_token(request=None) -> str:
    """A token for the forms of one page: its time stamp and an HMAC of it (no cookie, no state)."""
    stamp = str(int(time.time()))
    return f"{stamp}.{_sign(stamp)}"


def csrf_ok(token) -> bool:
    if not isinstance(token, str) or token.count(".") != 1:
        return False
    stamp, signature = token.split(".")
    if not stamp.isdigit() or not hmac.compare_digest(signature.encode(), _sign(stamp).encode()):
        return False
    return 0 <= time.time() - int(stamp) <= CSRF_MAX_AGE


def _same_origin(request) -> bool:
    """A browser's Origin header, when it names one, names this server.

    Under ``Referrer-Policy: no-referrer`` Chromium sends ``Origin: null`` with a
    form's post: that says nothing either way, and the token decides.
    """
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host


async def require_csrf(request, form=None) -> None:
    """403 unless the form (or the X-CSRF-Token header) carries a good token and the origin is this server."""
    token = form.get(CSRF_FIELD) if form is not None else None
    token = token or request.headers.get(CSRF_HEADER)
    if not csrf_ok(token) or not _same_origin(request):
        raise HTTPException(403, "the form's security token is missing or stale: reload the page and send it again")


# Passwords ---------------------------------------------------------------------------------------------------

_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def verify_password(stored: str, password: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        given = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=32, **_SCRYPT)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(given.hex(), digest)


# Errors ------------------------------------------------------------------------------------------------------

def wants_json(request) -> bool:
    return request.url.path.startswith("/api")


def error_response(request, status: int, message: str, **extra) -> Response:
    """JSON under /api, else a short page; the message is ours (escaped), never a traceback."""
    if wants_json(request):
        return JSONResponse({"error": message, **extra}, status_code=status)
    body = (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
            f"content=\"width=device-width, initial-scale=1\"><title>{status}</title>"
            f"<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/web.css\"></head>"
            f"<body><main class=\"page\">"
            f"<h1>{status}</h1><p>{html.escape(message)}</p><p><a href=\"/\">ipt-expert</a></p></main></body></html>")
    return HTMLResponse(body, status_code=status)


async def _http_error(request, exc: HTTPException):
    message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = "nothing here"
    response = error_response(request, exc.status_code, message)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


INTERNAL_ERROR = "internal error: a bug in ipt-expert, not in your input (the server's log has the details)"


def _log_bug(request, exc: Exception) -> None:
    LOG.error("internal error on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, exc,
              exc_info=exc)


async def _server_error(request, exc: Exception):
    _log_bug(request, exc)
    return error_response(request, 500, INTERNAL_ERROR)


def install_error_handlers(app) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _server_error)
