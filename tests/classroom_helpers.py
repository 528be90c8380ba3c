"""Shared by the classroom's tests: the web app on a temporary SQLite database, and a class's answers."""
from __future__ import annotations

import pytest

TOKEN = "educator-secret-token-for-tests"
VIGNETTES = ["grief-01-widower-early", "transition-01-divorce-not-grief", "two-area-02-death-and-sister-dispute"]
HOSTILE = ('<script>window.__pwned=1</script><img src="x.png" onerror="window.__pwned=2"><b>bold</b>'
           '{{ 7*7 }}{% raw %}&amp;')


def make_settings(tmp_path, **overrides):
    settings_module = pytest.importorskip("ipt_expert.web.settings",
                                          reason="ipt_expert.web (the browser app) is not in this tree")
    values = {"host": "127.0.0.1", "port": 0, "educator_token": TOKEN, "educator_password_hash": None,
              "database_url": f"sqlite:///{tmp_path / 'classroom.sqlite3'}", "max_body_bytes": 256 * 1024}
    values.update(overrides)
    return settings_module.WebSettings(**values)


def make_app(settings):
    app_module = pytest.importorskip("ipt_expert.classroom.app",
                                     reason="ipt_expert.web (the browser app) is not in this tree")
    return app_module.create_app(settings)


def educator(client):
    client.headers["Authorization"] = f"Bearer {TOKEN}"
    return client
