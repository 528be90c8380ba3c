"""Control characters made harmless before anything reaches a terminal.

Case files, answer keys, rule packs and file names come from other people. A
title holding ``ESC ] 52`` can write to the reader's clipboard, ``ESC ] 8``
can hide a link behind innocent text, a carriage return or a cursor movement
can overwrite a line of the report, NUL can cut it short. Every report and
every message passes through :func:`neutralise` on its way out (output.py),
which shows each such character as a visible escape (``\\x1b``) instead, so
nothing is lost and nothing acts.
"""
from __future__ import annotations

import re

# C0 controls except newline and tab, DEL, and the C1 controls (some terminals
# act on 8-bit C1 sequences as on their ESC forms: 0x9b is CSI, 0x9d is OSC).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _visible(match: re.Match) -> str:
    return f"\\x{ord(match.group(0)):02x}"


def neutralise(text: str) -> str:
    """``text`` with every control character but newline and tab shown as ``\\xNN``."""
    return _CONTROL.sub(_visible, text)


def neutralise_json(text: str) -> str:
    """JSON text with DEL and C1 characters written as ``\\uNNNN`` escapes (the same data, inert).

    ``json.dumps`` escapes C0 controls itself but, with ``ensure_ascii=False``,
    writes DEL and C1 as they are. In JSON such characters can only stand
    inside strings, where the escape means exactly the same character.
    """
    return _CONTROL.sub(lambda m: m.group(0) if m.group(0) in "\r" else f"\\u{ord(m.group(0)):04x}", text)
