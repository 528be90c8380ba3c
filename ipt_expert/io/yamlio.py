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
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any

import yaml

from ipt_expert.io.errors import IptExpertError

MAX_FILE_BYTES = 2_000_000
MAX_NESTING = 40


@dataclass
class Document:
    """Parsed data plus where each field path stands in the source."""

    data: Any
    source: str
    lines: dict[tuple, int] = field(default_factory=dict)
    # field path -> the word as written, where YAML made it true/false or a number
    # (``no`` -> false), so that messages can say what YAML did with it
    written: dict[tuple, str] = field(default_factory=dict)

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


def _screen_events(text: str, loader=None) -> None:
    """Refuse aliases and absurd nesting in one flat pass over the parser's events.

    This runs before any node tree is built, so an alias bomb or a deeply
    nested file costs no more than reading it once.

    Parsers have limits of their own (libyaml refuses deep nesting in its
    scanner, before our count sees the events, and its wording changes between
    releases).  When the fast parser refuses the text, the pure-Python parser,
    which has no such limit, reads it again: our own checks then speak first,
    and a genuine syntax error is reported by one parser whatever is installed.
    """
    loader = loader or _Loader
    try:
        _screen_events_with(text, loader)
    except _Refused:
        raise
    except yaml.YAMLError:
        if loader is yaml.SafeLoader:
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


_STDIN_NAMES = ("/dev/stdin", "/dev/fd/0", "/proc/self/fd/0")


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
            # Opened without blocking and checked before reading: a named pipe or
            # a device would otherwise wait for a writer, or read, forever.
            with open(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    stdin = " ('-' reads standard input)" if str(path) in _STDIN_NAMES else ""
                    raise error(f"is not a regular file (a pipe, a device or a socket?); expected {_a(what)}{stdin}",
                                source=source)
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


def looks_like_json(text: str, source: str) -> bool:
    """Whether a document is JSON: by its name, or by its content when it has none (standard input).

    A document that opens with a bracket followed by a quoted key or value
    (``{"id": ...``, ``[{"id": ...``) is what json.dumps writes, and is held
    to JSON's rules wherever it comes from, so that a file and the same text
    piped in are read alike.  YAML's own flow style (``{id: x}``) is not
    caught by this.
    """
    return source.lower().endswith(".json") or bool(_JSON_OPENING.match(text))


_JSON_OPENING = re.compile(r"\s*(?:[\[{]\s*)+[\"\]}]")


def parse_document(text: str, source: str, *, what: str,
                   error: type[IptExpertError] = IptExpertError) -> Document:
    """Parse YAML/JSON text into a Document, refusing unsafe or lossy YAML."""
    if looks_like_json(text, source):
        return _parse_json(text, source, what=what, error=error)
    data, lines, written = _parse_yaml(text, source, what=what, error=error)
    return Document(data=data, source=source, lines=lines, written=written)


def _parse_json(text: str, source: str, *, what: str, error: type[IptExpertError]) -> Document:
    """JSON, read by the JSON decoder (its numbers and escapes are not YAML 1.1's).

    The YAML parser reads it too, only to learn the line of each field and to
    apply the same nesting limit; the values are the decoder's.
    """
    def pairs(items):
        seen = {}
        for key, value in items:
            if key in seen:
                raise _JsonRefused(f"duplicate key '{key}'")
            seen[key] = value
        return seen

    def constant(name):
        raise _JsonRefused(f"{name} is not a number that can be used here; write a finite number or 'unknown'")

    def whole(digits):
        if len(digits.lstrip("-")) > MAX_DIGITS:
            raise _JsonRefused(_too_many_digits(len(digits.lstrip("-"))))
        return int(digits)

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_int=whole)
    except json.JSONDecodeError as exc:
        raise error(_json_problem(exc), source=source, line=exc.lineno) from exc
    except _JsonRefused as exc:
        # The decoder does not say where; the YAML reading finds a duplicate key's line.
        _json_lines(text, source, what=what, error=error)
        raise error(exc.message, source=source) from exc
    except RecursionError as exc:
        raise error(f"nesting deeper than {MAX_NESTING} levels", source=source) from exc
    lines = _json_lines(text, source, what=what, error=error)
    if _depth(data) > MAX_NESTING:
        raise error(f"nesting deeper than {MAX_NESTING} levels", source=source)
    _check_plain_data(data, (), lines, error, source)
    return Document(data=data, source=source, lines=lines)


def _json_lines(text: str, source: str, *, what: str, error: type[IptExpertError]) -> dict:
    """Line of each field of a JSON text, from the YAML parser (empty if it cannot follow the text)."""
    # libyaml refuses escaped surrogate pairs ("\ud83d\ude00", as json.dumps writes
    # emoji); the pure-Python parser follows them.
    for loader in dict.fromkeys((_Loader, yaml.SafeLoader)):
        try:
            return _parse_yaml(text, source, what=what, error=error, for_lines_only=True, loader=loader)[1]
        except IptExpertError as exc:
            if exc.message.startswith(("nesting deeper", "duplicate key")):
                raise
    return {}


class _JsonRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _depth(value) -> int:
    """Levels of lists and mappings (0 for a plain value), counted up to one past MAX_NESTING."""
    depth, level = 0, [value]
    while depth <= MAX_NESTING:
        containers = [item for item in level if isinstance(item, (dict, list))]
        if not containers:
            break
        depth += 1
        level = [v for item in containers for v in (item.values() if isinstance(item, dict) else item)]
    return depth


def _parse_yaml(text: str, source: str, *, what: str, error: type[IptExpertError],
                for_lines_only: bool = False, loader=None) -> tuple:
    parser = loader or _Loader
    loader = None
    data = None
    try:
        _screen_events(text, parser)
        loader = parser(text)
        node = loader.get_single_node()
        if node is None:
            raise error(f"is empty; expected {_a(what)}", source=source)
        lines: dict[tuple, int] = {}
        written: dict[tuple, str] = {}
        _index_lines(node, (), lines, error, source, screen=not for_lines_only, written=written)
        if for_lines_only:
            return None, lines, written
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
    return data, lines, written


def _check_plain_data(value, path: tuple, lines: dict, error, source: str) -> None:
    """Only what JSON can say: text keys; text, numbers, true/false, null, lists and mappings.

    YAML can also say dates, sets, binary and not-a-number, which would slip
    past the schema or mean nothing to the rules.
    """
    def fail(message: str):
        from ipt_expert.io.errors import field_path
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


def _index_lines(node, path: tuple, lines: dict, error, source: str, screen: bool = True,
                 written: dict | None = None) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        if screen:
            _screen_scalar(node, path, error, source)
        if written is not None and node.style in (None, "") and node.tag in _WORD_TAGS:
            written[path] = node.value
    elif isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise error("YAML merge keys (<<) are not allowed in data files", source=source, line=line)
            if key in seen:
                raise error(f"duplicate key '{key}' (first at line {seen[key]})", source=source, line=line)
            if screen and isinstance(key_node, yaml.ScalarNode):
                _screen_scalar(key_node, path, error, source)
            seen[key] = line
            lines[path + (key,)] = line
            _index_lines(value_node, path + (key,), lines, error, source, screen, written)
            lines[path + (key,)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_lines(item, path + (index,), lines, error, source, screen, written)


# What YAML 1.1 (PyYAML) reads as a number, beyond the plain decimal forms
# people mean: each is refused rather than silently read as another value.
_TAG = "tag:yaml.org,2002:"
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
# JSON and YAML 1.2 read 4e0, 1E1 and 1.5e3 as numbers; PyYAML's YAML 1.1 reads them as text.
_EXPONENT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][-+]?[0-9]+")
_WORD_TAGS = {_TAG + "bool", _TAG + "int", _TAG + "float", _TAG + "null"}
_BOOL_WORDS = {"yes", "no", "true", "false", "on", "off"}
_NUMBER_FORMS = (
    (re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"), "a base-60 number, {read}"),
    (re.compile(r"[-+]?0x[0-9a-fA-F_]+"), "a hexadecimal number, {read}"),
    (re.compile(r"[-+]?0b[01_]+"), "a binary number, {read}"),
    (re.compile(r"[-+]?0[0-7_]+"), "an octal number, {read}"),
    (re.compile(r"[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?"), "{read} (YAML ignores the '_')"),
)
MAX_DIGITS = 100          # no number in a case or rule file needs more; Python refuses 4,300


def _too_many_digits(count: int) -> str:
    return (f"a number written with {count} digits is too long; "
            f"numbers here have at most {MAX_DIGITS} digits (put it in quotes if it is text)")


def _screen_scalar(node, path: tuple, error, source: str) -> None:
    """Refuse, from the text as written, scalars that YAML 1.1 would misread or cannot build.

    PyYAML reads 1:20 as 80, 010 as 8, 0x10 as 16, 1_2 as 12 and 0b11 as 3;
    a tag with a value it cannot take (``!!int four``), a date that is not a
    date (2024-02-31) and a number of thousands of digits would otherwise end
    in a crash.  Plain 4e0 and 1E1 are made numbers, as JSON and YAML 1.2 read them.
    """
    tag, text = node.tag, node.value

    def fail(message: str):
        from ipt_expert.io.errors import field_path
        raise error(message, source=source, line=node.start_mark.line + 1, field=field_path(path) or None)

    plain = node.style in (None, "")
    if tag == _TAG + "str" and plain and _EXPONENT.fullmatch(text):
        node.tag = tag = _TAG + "float"
    if tag == _TAG + "timestamp" and not re.match(r"[0-9]{4}-", text):
        fail(f"'{text}' is tagged !!timestamp: data files hold no dates; write months relative to onset instead")
    if tag == _TAG + "timestamp":
        fail(f"{text} is read as a calendar date; write months relative to onset instead (or quote it)")
    if tag == _TAG + "bool" and text.lower() not in _BOOL_WORDS:
        fail(f"'{text}' is tagged !!bool but is not true or false; write true or false")
    if tag not in (_TAG + "int", _TAG + "float"):
        return
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_DIGITS:
        fail(_too_many_digits(digits))
    if _PLAIN_INT.fullmatch(text) or (tag == _TAG + "float" and (_PLAIN_FLOAT.fullmatch(text)
                                                                 or _SPECIAL_FLOAT.fullmatch(text))):
        return
    for form, words in _NUMBER_FORMS:
        if form.fullmatch(text) and any(c.isdigit() for c in text):
            try:
                value = _CONSTRUCT[tag](node)
            except (ValueError, ArithmeticError):
                break
            fail(f"{text} is read by YAML as {words.format(read=value)}; write a plain number "
                 f"(digits only, e.g. 12 or 0.5), or put it in quotes if it is text")
    kind = "a whole number" if tag == _TAG + "int" else "a number"
    fail(f"'{text}' is tagged !!{tag[len(_TAG):]} but is not {kind}; write a plain number")


_constructor = yaml.constructor.SafeConstructor()
_CONSTRUCT = {_TAG + "int": _constructor.construct_yaml_int, _TAG + "float": _constructor.construct_yaml_float}
