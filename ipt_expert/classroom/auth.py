"""Who is asking: the educator (the start line's token, or the password) or a trainee (their secret).

Educator: ``Authorization: Bearer TOKEN`` on the API; on pages, ``?token=TOKEN``
once (as Jupyter's start line gives it) or the password, after which an
HttpOnly, SameSite=Strict cookie holds an HMAC of the token (never the token).
Trainee: the random secret set on join in an HttpOnly, SameSite=Strict cookie
named after the exercise, or sent as ``X-Trainee-Token`` by an API client.
"""
from __future__ import annotations

import hashlib
import hmac

EDUCATOR_COOKIE = "ipt_educator"
TRAINEE_HEADER = "x-trainee-token"


def trainee_cookie(exercise_id: str) -> str:
    return f"ipt_trainee_{exercise_id}"


def _session_value(settings) -> str:
    return hmac.new(str(settings.educator_token).encode(), b"ipt-expert educator session",
                    hashlib.sha256).hexdigest()


def _same(given, expected) -> bool:
    return isinstance(given, str) and bool(expected) and hmac.compare_digest(given.encode(), str(expected).encode())


def bearer(request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def is_educator(request, settings, *, allow_query: bool = False, allow_cookie: bool = True) -> bool:
    """The start line's token as a Bearer header; or, where allowed, in the query or the session cookie."""
    if _same(bearer(request), settings.educator_token):
        return True
    if allow_query and _same(request.query_params.get("token"), settings.educator_token):
        return True
    return allow_cookie and _same(request.cookies.get(EDUCATOR_COOKIE), _session_value(settings))


def password_ok(settings, password: str) -> bool:
    """The password against settings.educator_password_hash, through ipt_expert.web's own check."""
    stored = getattr(settings, "educator_password_hash", None)
    if not stored or not password:
        return False
    check = getattr(settings, "check_password", None) or getattr(settings, "verify_password", None)
    if check is not None:
        return bool(check(password))
    from ipt_expert.web import security
    for name in ("verify_password", "check_password"):
        if hasattr(security, name):
            return bool(getattr(security, name)(stored, password))
    return False        # pragma: no cover - no way to check: refuse


def set_educator_cookie(response, settings, secure: bool) -> None:
    response.set_cookie(EDUCATOR_COOKIE, _session_value(settings), httponly=True, samesite="strict",
                        secure=secure, path="/")


def set_trainee_cookie(response, exercise_id: str, token: str, secure: bool) -> None:
    response.set_cookie(trainee_cookie(exercise_id), token, httponly=True, samesite="strict", secure=secure,
                        path="/", max_age=60 * 60 * 24 * 30)


def trainee_token(request, exercise_id: str) -> str | None:
    return request.headers.get(TRAINEE_HEADER) or request.cookies.get(trainee_cookie(exercise_id))
