"""The JSON API: the same library functions and the same JSON as the CLI's `-f json`."""
from __future__ import annotations


def routes(settings) -> list:
    return []
