"""What `ipt-expert serve` was started with: one frozen value every route and the classroom read."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def _new_token() -> str:
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class WebSettings:
    host: str = "127.0.0.1"
    port: int = 8765
    # The educator's token (printed in the start line's URL); a new random one each start unless given.
    educator_token: str = field(default_factory=_new_token, repr=False)
    # A hash from security.hash_password (never the password itself), or None: the token only.
    educator_password_hash: str | None = field(default=None, repr=False)
    # The classroom's database (an SQLAlchemy URL); None: SQLite in the user's data folder.
    database_url: str | None = None
    # Any request body over this is refused with 413 (Content-Length and the streamed body alike).
    max_body_bytes: int = 1_000_000

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS or self.host.startswith("127.")

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def educator_url(self) -> str:
        return f"{self.base_url}/?token={self.educator_token}"
