"""Helpers shared by the test modules (import them; fixtures live in conftest)."""
from __future__ import annotations

import re

# Our messages quote a parser's own words after this label; those words belong
# to whatever PyYAML, libyaml or json release pip installed today, so tests
# compare our sentence and mask theirs.
_PARSER_WORDS = re.compile(r"\(the parser says: [^\n]*\)")


def ours(message: str) -> str:
    """The message with any third-party parser wording masked."""
    return _PARSER_WORDS.sub("(the parser says: ...)", message)
