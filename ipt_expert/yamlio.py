"""Reading YAML and JSON data files safely, keeping line numbers.

Case files and rule packs are data that people share, so they are parsed with
PyYAML's safe loader only (JSON is read by the same parser: JSON documents are
YAML), and a few YAML features that have no place in data are refused with a
message naming the line:

* aliases (``*name``): they let a small file expand to an enormous structure
  (the "billion laughs" attack) and nothing in our formats needs them;
* tags that build Python objects (``!!python/object``): the safe loader
  cannot build them; we say so in plain words;
* duplicate keys: YAML keeps the last silently, which would lose what the
  user wrote first.

``load_document`` returns the data with a map from field paths to line
numbers, so that later validation errors can say where they are.
"""
from __future__ import annotations

import datetime
import json
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import IptExpertError

MAX_FILE_BYTES = 2_000_000
MAX_NESTING = 40


@dataclass
class Document:
    """Parsed data plus where each field path stands in the source."""

    data: Any
    source: str
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, path: tuple) -> int | None:
        """Line of the deepest known prefix of ``path`` (1-based), if any."""
        path = tuple(path)
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = path[:-1]


class _Refused(yaml.YAMLError):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.message = message
        self.mark = mark


# libyaml's C parser is about seven times faster than the pure-Python one,
# which matters at start-up (the rule base is read on every run).  Both give
# the same events, nodes and marks; the pure one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _screen_events(text: str) -> None:
    """Refuse aliases and absurd nesting in one flat pass over the parser's events.

    This runs before any node tree is built, so an alias bomb or a deeply
    nested file costs no more than reading it once.

    Parsers have limits of their own (libyaml refuses deep nesting in its
    scanner, before our count sees the events, and its wording changes between
    releases).  When the fast parser refuses the text, the pure-Python parser,
    which has no such limit, reads it again: our own checks then speak first,
    and a genuine syntax error is reported by one parser whatever is installed.
    """
    try:
        _screen_events_with(text, _Loader)
    except _Refused:
        raise
    except yaml.YAMLError:
        if _Loader is yaml.SafeLoader:
            raise
        _screen_events_with(text, yaml.SafeLoader)
        raise


def _screen_events_with(text: str, loader) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            raise _Refused(f"YAML aliases (*{event.anchor}) are not allowed in data files", event.start_mark)
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                raise _Refused(f"nesting deeper than {MAX_NESTING} levels", event.start_mark)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def _a(what: str) -> str:
    return f"{'an' if what[:1] in 'aeiou' else 'a'} {what}"


def read_text(path: str, *, what: str, error: type[IptExpertError] = IptExpertError,
              shown: str | None = None) -> tuple[str, str]:
    """Read a UTF-8 text file (or standard input for '-'); return (text, display name)."""
    if path == "-":
        source = "<stdin>"
        raw = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
    else:
        source = shown or str(path)
        if os.path.isdir(path):
            raise error(f"is a directory; expected {_a(what)}", source=source)
        try:
            with open(path, "rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except FileNotFoundError as exc:
            raise error(f"no such file; expected {_a(what)}", source=source) from exc
        except PermissionError as exc:
            raise error("cannot be read: permission denied", source=source) from exc
        except OSError as exc:
            raise error(f"cannot be read: {exc.strerror or exc}", source=source) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise error(f"is larger than {MAX_FILE_BYTES // 1_000_000} MB; {_a(what)} is far smaller", source=source)
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error("is UTF-16 text; save it as UTF-8", source=source)
    if b"\x00" in raw:
        raise error(f"is binary, not text; expected {_a(what)}", source=source)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise error(f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                    source=source, line=line) from exc
    return text, source


PARSER_SAYS = "the parser says: "


def _syntax_problem(text: str, line: int | None, parser_words: str) -> str:
    """Our own words for a syntax error, with the parser's detail kept apart.

    The parser's wording belongs to the installed parser and changes between
    releases; it follows our sentence, labelled, so that neither users nor
    tests depend on it.
    """
    if line is not None and _tab_indents(text, line):
        return ("a tab is used for indentation; YAML indents with spaces only "
                "(replace the tab with spaces)")
    return f"not valid YAML or JSON ({PARSER_SAYS}{_one_line(parser_words)})"


def _tab_indents(text: str, line: int) -> bool:
    """True when the reported line, or the one before it, is indented with a tab."""
    lines = text.splitlines()
    for number in (line, line - 1):
        if 1 <= number <= len(lines):
            body = lines[number - 1]
            indent = body[: len(body) - len(body.lstrip(" \t"))]
            if "\t" in indent:
                return True
    return False


def _one_line(words: str) -> str:
    return " ".join(str(words).split())


def _json_problem(exc: json.JSONDecodeError) -> str:
    """The decoder's complaint, in the same words on every Python version."""
    # Python 3.13 points at the comma, earlier versions at the bracket after it.
    start = exc.pos + 1 if exc.doc[exc.pos: exc.pos + 1] == "," else exc.pos
    before, after = exc.doc[:start].rstrip(), exc.doc[start:].lstrip()
    if before.endswith(",") and after[:1] in ("}", "]"):
        return f"not valid JSON: a comma before '{after[0]}' (JSON allows no trailing comma)"
    return f"not valid JSON ({PARSER_SAYS}{_one_line(exc.msg)})"


def parse_document(text: str, source: str, *, what: str,
                   error: type[IptExpertError] = IptExpertError) -> Document:
    """Parse YAML/JSON text into a Document, refusing unsafe or lossy YAML."""
    if source.lower().endswith(".json"):
        # YAML accepts more than JSON does (trailing commas, comments); a file
        # that says it is JSON is held to JSON, then read like any other.
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise error(_json_problem(exc), source=source, line=exc.lineno) from exc
        except RecursionError as exc:
            raise error(f"nesting deeper than {MAX_NESTING} levels", source=source) from exc
    loader = None
    try:
        _screen_events(text)
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise error(f"is empty; expected {_a(what)}", source=source)
        lines: dict[tuple, int] = {}
        _index_lines(node, (), lines, error, source)
        data = loader.construct_document(node)
        _check_plain_data(data, (), lines, error, source)
    except _Refused as exc:
        raise error(exc.message, source=source, line=exc.mark.line + 1) from exc
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or ""
        if "could not determine a constructor" in problem:
            tag = problem.split("tag", 1)[-1].strip(" '")
            message = f"YAML tag '{tag}' is not allowed: data files cannot build program objects"
        else:
            message = f"YAML error: {problem or exc}"
        raise error(message, source=source, line=mark.line + 1 if mark else None) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise error(_syntax_problem(text, line, exc.problem or exc.context or "syntax error"),
                    source=source, line=line) from exc
    except yaml.YAMLError as exc:
        raise error(_syntax_problem(text, None, str(exc)), source=source) from exc
    finally:
        if loader is not None:
            loader.dispose()
    return Document(data=data, source=source, lines=lines)


def _check_plain_data(value, path: tuple, lines: dict, error, source: str) -> None:
    """Only what JSON can say: text keys; text, numbers, true/false, null, lists and mappings.

    YAML can also say dates, sets, binary and not-a-number, which would slip
    past the schema or mean nothing to the rules.
    """
    def fail(message: str):
        from .errors import field_path
        line = lines.get(path) or lines.get(path[:-1])
        raise error(message, source=source, line=line, field=field_path(path) or None)

    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                line = lines.get(path + (str(key),)) or lines.get(path)
                raise error(f"keys must be text, not {'null' if key is None else repr(key)}", source=source,
                            line=line)
            _check_plain_data(item, path + (key,), lines, error, source)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_plain_data(item, path + (index,), lines, error, source)
    elif isinstance(value, float):
        if not math.isfinite(value):
            fail(f"{value} is not a number that can be used here; write a finite number or 'unknown'")
    elif isinstance(value, (datetime.date, datetime.datetime)):
        fail(f"{value} is read as a calendar date; write months relative to onset instead (or quote it)")
    elif not isinstance(value, (str, int, bool)) and value is not None:
        kind = {"bytes": "binary value", "set": "set"}.get(type(value).__name__, type(value).__name__)
        fail(f"a YAML {kind} is not allowed in data files")


def load_document(path: str, *, what: str, error: type[IptExpertError] = IptExpertError,
                  shown: str | None = None) -> Document:
    """Read and parse one data file; ``shown`` is the name errors use (the path by default)."""
    text, source = read_text(path, what=what, error=error, shown=shown)
    return parse_document(text, source, what=what, error=error)


def _index_lines(node, path: tuple, lines: dict, error, source: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise error("YAML merge keys (<<) are not allowed in data files", source=source, line=line)
            if key in seen:
                raise error(f"duplicate key '{key}' (first at line {seen[key]})", source=source, line=line)
            seen[key] = line
            lines[path + (key,)] = line
            _index_lines(value_node, path + (key,), lines, error, source)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, path + (index,), lines, error, source)
