"""The one Jinja2 environment factory.

Two uses, one place, both in Jinja's sandbox with ``StrictUndefined``:

* report templates (``reports/templates``, shipped in the package, with an
  optional user directory searched first): autoescape for HTML; the loader
  refuses files outside its folders (a symlink to elsewhere), and the
  operators that can make huge values are checked, since a template directory
  passed with ``--templates`` may come from someone else;
* rationale sentences written in rule files, which come from rule packs
  people share (rulebase.py also checks them statically before use).
"""
from __future__ import annotations

import operator
import os
import re
import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from ipt_expert.io.constants import MAX_REPORT_CHARS
from ipt_expert.io.wording import event_name, human, months, onset_timing, the_person, to_pretty_json

MAX_POWER = 100           # largest exponent a template may use
MAX_REPEAT = 100_000      # largest size a '*', a format width or a padding may produce
RENDER_SECONDS = 10       # a report that takes longer is stopped
MAX_TEMPLATE_BYTES = 200_000     # a report template is a few kilobytes
MAX_TEMPLATE_NESTING = 40        # blocks and brackets inside one another
MAX_EXPRESSION_OPERATORS = 100   # operators and filters in one {{ }} or {% %}
RENDER_MEMORY = 512 * 2 ** 20    # address space a render may add, where the system can limit it


class TemplateTooSlow(Exception):
    """Rendering took longer than RENDER_SECONDS."""


class TemplateTooLarge(Exception):
    """Rendering would produce more than MAX_REPORT_CHARS, or needed more than RENDER_MEMORY."""


def _autoescape(template_name: str | None) -> bool:
    if template_name is None:
        return False
    name = template_name[:-3] if template_name.endswith(".j2") else template_name
    return name.endswith((".html", ".htm"))


class _Undefined(jinja2.StrictUndefined):
    """StrictUndefined whose error says what was missing in our words, not Jinja's (whose wording may
    change with any release, and which our messages and tests must not depend on)."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        name, container = self._undefined_name, self._undefined_obj
        kind = ("a mapping" if isinstance(container, dict) else "a list" if isinstance(container, (list, tuple))
                else f"a {type(container).__name__}")
        if issubclass(self._undefined_exception, jinja2.exceptions.SecurityError):
            return f"reading {name!r} of {kind} is not allowed"          # the sandbox refused it
        if self._undefined_hint:
            return self._undefined_hint      # Jinja's own account of a case not covered here (a macro's argument)
        if container is jinja2.utils.missing:
            return f"nothing is named {name!r}" if isinstance(name, str) else "a value that is not defined"
        return f"{kind} has no {'field' if isinstance(name, str) else 'item'} {name!r}"


class _GuardedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox, checked so that no template can build a huge value or nest past the parser.

    '**' and '*' are bounded, and so are the widths of '%' formats, str.format
    and the padding methods and filters ('%0999999999d' would build a 1 GB
    string in one step).  Templates and rule sentences nested deeper than the
    limits are refused when they are parsed, before Jinja's parser or Python's
    compiler run out of stack.
    """

    intercepted_binops = frozenset(["**", "*", "%"])

    def call_binop(self, context, operator_name, left, right):
        if operator_name == "**":
            if isinstance(right, (int, float)) and abs(right) > MAX_POWER:
                raise jinja2.exceptions.SecurityError(f"exponent {right} is larger than {MAX_POWER}")
            return operator.pow(left, right)
        if operator_name == "*":
            for size, other in ((left, right), (right, left)):
                if isinstance(size, int) and isinstance(other, (str, list, tuple)) and size * len(other) > MAX_REPEAT:
                    raise jinja2.exceptions.SecurityError("a '*' would build a value too large")
            return operator.mul(left, right)
        if operator_name == "%":
            if isinstance(left, str):
                _check_percent_format(left, right)
            return operator.mod(left, right)
        return super().call_binop(context, operator_name, left, right)

    def call(__self, __context, __obj, *args, **kwargs):   # Jinja's own signature
        name = getattr(__obj, "__name__", "")
        if isinstance(getattr(__obj, "__self__", None), str):
            if name in _PADDING_METHODS:
                _check_width(args[:1] + tuple(kwargs.values()))
            elif name == "replace" and len(args) >= 2:
                _check_replace(__obj.__self__, *args[:3])
        return super().call(__context, __obj, *args, **kwargs)

    # str.format: Jinja 3.1.5+ wraps the method when it is read, earlier releases when it is called.
    def wrap_str_format(self, value):
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            _check_brace_format(value.__self__)
        return wrapped

    def format_string(self, s, args, kwargs, format_func=None):
        _check_brace_format(s)
        return super().format_string(s, args, kwargs, format_func)

    def _parse(self, source, name, filename):
        _check_nesting(self, source, name, filename)
        try:
            return super()._parse(source, name, filename)
        except (RecursionError, MemoryError) as exc:
            raise jinja2.TemplateSyntaxError("the template is nested too deeply to read", 1, name,
                                             filename) from exc

    def _generate(self, source, name, filename, defer_init=False):
        try:
            return super()._generate(source, name, filename, defer_init=defer_init)
        except (RecursionError, MemoryError) as exc:
            raise jinja2.TemplateSyntaxError("the template is nested too deeply to compile", 1, name,
                                             filename) from exc

    def _compile(self, source, filename):
        try:
            return super()._compile(source, filename)
        except (RecursionError, MemoryError, SyntaxError) as exc:   # IndentationError: too many levels
            raise jinja2.TemplateSyntaxError("the template is nested too deeply to compile", 1, None,
                                             filename) from exc


_PADDING_METHODS = frozenset(["ljust", "rjust", "center", "zfill", "expandtabs"])
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|[0-9]+)?(?:\.(\*|[0-9]+))?")
_BRACE_SPEC = re.compile(r"[0-9]+")


def _check_width(values) -> None:
    for value in values:
        if isinstance(value, int) and value > MAX_REPEAT:
            raise jinja2.exceptions.SecurityError(f"a width of {value} is larger than {MAX_REPEAT}")


def _check_percent_format(text: str, args) -> None:
    """'%0999999999d': refuse widths and precisions that would build a huge string."""
    for width, precision in _PERCENT_SPEC.findall(text):
        if "*" in (width, precision):
            _check_width(args if isinstance(args, tuple) else (args,))
        _check_width(int(part) for part in (width, precision) if part.isdigit())


def _check_brace_format(text) -> None:
    """'{:0999999999d}'.format(1): the same for str.format's specs."""
    for part in str(text).split("{")[1:]:
        spec = part.split("}", 1)[0].partition(":")[2]
        _check_width(int(number) for number in _BRACE_SPEC.findall(spec))


def _check_replace(text: str, old, new, count=-1) -> None:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        times = text.count(old) if old else len(text) + 1
        if count is not None and isinstance(count, int) and count >= 0:
            times = min(times, count)
        if len(text) + times * (len(new) - len(old)) > MAX_REPORT_CHARS:
            raise jinja2.exceptions.SecurityError("a replace would build a value too large")


_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_BLOCK_TAGS = frozenset(["if", "for", "macro", "call", "filter", "block", "with", "autoescape", "trans"])
_OPERATOR_NAMES = frozenset(["not", "and", "or", "is", "in", "if"])
_OPERATORS = frozenset(["+", "-", "*", "/", "//", "%", "**", "|", "==", "!=", "<", ">", "<=", ">="])


def _check_nesting(env, source: str, name, filename) -> None:
    """Refuse deep nesting from the tokens, before the recursive parser sees it.

    Counts blocks inside blocks and brackets inside brackets, and the
    operators and filters of one expression (``not not not ...`` and
    ``a|f|f|f...`` nest in the parsed tree as deeply as they are long).
    """
    def refuse(message: str, line: int):
        raise jinja2.TemplateSyntaxError(message, line, name, filename)

    depth = operators = 0
    opening_tag = block_set = False
    for line, kind, value in env.lexer.tokeniter(source, name, filename):
        if kind in ("whitespace", "comment", "linecomment"):
            continue
        if kind in ("variable_begin", "block_begin"):
            operators = 0
            opening_tag = kind == "block_begin"
            continue
        if kind in ("variable_end", "block_end"):
            if block_set:
                depth += 1
            opening_tag = block_set = False
        elif kind == "name" and opening_tag:
            if value in _BLOCK_TAGS:
                depth += 1
            elif value == "set":
                block_set = True
            elif value.startswith("end"):
                depth = max(0, depth - 1)
            opening_tag = False
            continue
        elif kind == "operator" and value == "=":
            block_set = False
        elif kind == "operator" and value in _OPENING:
            depth += 1
        elif kind == "operator" and value in _CLOSING:
            depth = max(0, depth - 1)
        elif (kind == "operator" and value in _OPERATORS) or (kind == "name" and value in _OPERATOR_NAMES):
            operators += 1
        opening_tag = False
        if depth > MAX_TEMPLATE_NESTING:
            refuse(f"blocks or brackets are nested more than {MAX_TEMPLATE_NESTING} levels deep", line)
        if operators > MAX_EXPRESSION_OPERATORS:
            refuse(f"an expression has more than {MAX_EXPRESSION_OPERATORS} operators and filters", line)


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that refuses any file whose real path is outside its folders."""

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        real = os.path.realpath(filename)
        roots = [os.path.realpath(path) for path in self.searchpath]
        if not any(real == root or real.startswith(root + os.sep) for root in roots):
            raise jinja2.exceptions.SecurityError(f"'{template}' leads outside the template folder")
        if len(source) > MAX_TEMPLATE_BYTES:
            raise jinja2.exceptions.SecurityError(f"'{template}' is larger than {MAX_TEMPLATE_BYTES // 1000} kB; "
                                                  "a report template is a few kilobytes")
        return source, filename, uptodate


def make_environment(*, template_dirs: list | tuple = (), for_sentences: bool = False) -> jinja2.Environment:
    """A sandboxed environment: for report templates in ``template_dirs`` (first wins), or for rule sentences.

    Report templates named ``*.md.j2`` have every ``{{ value }}`` escaped for
    Markdown (HTML and Markdown syntax alike), as ``*.html.j2`` ones are for
    HTML: a case title or a rule pack's sentence cannot add markup, links,
    images or script to a report.
    """
    if for_sentences:
        env = _GuardedSandbox(undefined=_Undefined, autoescape=False)
    else:
        loader = jinja2.ChoiceLoader([_ConfinedLoader(str(Path(d))) for d in template_dirs])
        env = _GuardedSandbox(loader=loader, undefined=_Undefined, autoescape=_autoescape,
                              keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                              finalize=_escape_for_markdown_templates)
        env.filters["md_code"] = markdown_code
    env.filters["format"] = _bounded_format
    env.filters["center"] = _bounded_center
    env.filters["indent"] = _bounded_indent
    env.filters["replace"] = _bounded_replace
    env.filters["human"] = human
    env.filters["months"] = months
    env.filters["pretty_json"] = to_pretty_json
    env.filters["onset_timing"] = onset_timing
    env.filters["the_person"] = the_person
    env.filters["event_name"] = event_name
    return env


def _bounded_format(value, *args, **kwargs):
    _check_percent_format(str(value), tuple(kwargs.values()) or args)
    return jinja2.filters.do_format(value, *args, **kwargs)


def _bounded_center(value, width=80):
    _check_width((width,))
    return jinja2.filters.do_center(value, width)


@jinja2.pass_environment
def _bounded_indent(env, value, width=4, first=False, blank=False):
    _check_width((width,) if isinstance(width, int) else ())
    if isinstance(width, str) and len(width) * (str(value).count("\n") + 1) > MAX_REPORT_CHARS:
        raise jinja2.exceptions.SecurityError("an indent would build a value too large")
    if isinstance(width, int) and width * (str(value).count("\n") + 1) > MAX_REPORT_CHARS:
        raise jinja2.exceptions.SecurityError("an indent would build a value too large")
    return jinja2.filters.do_indent(value, width, first, blank)


@jinja2.pass_eval_context
def _bounded_replace(eval_ctx, value, old, new, count=None):
    _check_replace(str(value), str(old), str(new), -1 if count is None else count)
    return jinja2.filters.do_replace(eval_ctx, value, old, new, count)


# -- Markdown: every value escaped, as HTML autoescaping does for HTML

# '_' only where it could open or close emphasis: inside a word (role_dispute) it cannot.
# '[' opens every link and image (a lone ']' does nothing).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[|#~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
# A list item ('- ', '+ ', '1. '), a rule or a heading underline ('---', '===') if the value
# begins a line; a sign alone ('+0.55') is left as it is.
_LINE_START = re.compile(r"^(\s*)([-+](?=\s)|[0-9]+[.)](?=\s|$)|[-=](?=[-=]{2}))")
# Markdown's line endings; other control characters are shown as \xNN on the way out (terminal.py).
_LINE_BREAK = re.compile(r"\r\n?|\n")


def _is_markdown(name: str | None) -> bool:
    name = (name or "")[:-3] if (name or "").endswith(".j2") else (name or "")
    return name.endswith((".md", ".markdown"))


def markdown_escape(value) -> Markup:
    """A value as literal text in Markdown: no markup, link, image, HTML or line break survives.

    HTML's specials become entities (``<img onerror>`` is shown, not run),
    Markdown's are backslash-escaped (no ``![image](https://...)``, no
    emphasis, no table cell break), line breaks become spaces (no new block),
    and a leading list or heading marker is escaped.  Other control characters
    are left to terminal.neutralise, which every report passes through.
    """
    if isinstance(value, Markup):
        return value
    text = _LINE_BREAK.sub(" ", str(value))
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)
    return Markup(text)


def markdown_code(value) -> Markup:
    """A value as a Markdown code span, whatever backticks it holds (the `md_code` filter)."""
    text = _LINE_BREAK.sub(" ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return Markup(f"{fence}{pad}{text}{pad}{fence}")


@jinja2.pass_context
def _escape_for_markdown_templates(context, value):
    if _is_markdown(context.name) and not isinstance(value, Markup):
        return markdown_escape(value)
    return value


def render_bounded(template: jinja2.Template, context: dict) -> str:
    """Render, stopping at MAX_REPORT_CHARS of output and at RENDER_MEMORY of new memory.

    The template's output is gathered piece by piece, so a loop that would
    write gigabytes stops at the limit; the memory limit catches a single
    value built too large in one step (where the system lets a process
    limit itself: Linux and other Unix systems).
    """
    pieces, size = [], 0
    with memory_limit():
        for piece in template.generate(context):
            size += len(piece)
            if size > MAX_REPORT_CHARS:
                raise TemplateTooLarge(f"the report would be longer than {MAX_REPORT_CHARS:,} characters")
            pieces.append(piece)
    return "".join(pieces)


@contextmanager
def memory_limit(extra: int = RENDER_MEMORY):
    """Let the block use at most ``extra`` bytes more address space (MemoryError past it)."""
    try:
        import resource
        with open("/proc/self/statm") as handle:
            in_use = int(handle.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        yield
        return
    wanted = in_use + extra
    if (soft != resource.RLIM_INFINITY and soft <= wanted) or (hard != resource.RLIM_INFINITY and hard < wanted):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    try:
        yield
    except MemoryError as exc:
        raise TemplateTooLarge(f"the report needed more than {extra // 2 ** 20} MB of memory") from exc
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@contextmanager
def time_limit(seconds: int | None = None):
    """Stop a render that runs too long (a template looping for ever), where signals allow it."""
    seconds = seconds or RENDER_SECONDS
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TemplateTooSlow(f"rendering took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
