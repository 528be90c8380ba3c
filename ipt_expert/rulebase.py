"""Loading the knowledge base: rule files and the formulation policy.

Rule files are YAML written by clinicians.  Loading checks each file against
``schemas/rules.schema.json``, then compiles every rule's conditions into a
small intermediate form (``Pattern``, ``Group``, ``FieldTest``) checked
against the fact vocabulary: an unknown fact type, field or value, a
comparison on a field that is not a number, or a rationale sentence that
names something the rule does not match fails here, with the file, line,
rule id and a did-you-mean, before any case runs.  Nothing in a rule file is
ever evaluated as code.

Condition language (one item of a rule's ``when`` list):

* ``{person: {closeness: inner, alive: false}, as: deceased}``: a fact of that
  type whose fields pass every test; ``as`` names it for the rationale
  (by default it is called by its type when the type occurs once);
* ``{not: ITEM or [ITEMS]}``: no such facts; ``{exists: ...}``: at least one
  (the rule fires once, however many there are).

Field tests: a value (equal), a list (one of), ``$name`` (a variable: its
first use binds it, later uses must be equal, which joins facts), or a
mapping of operators: ``is``, ``one_of``, ``not`` (a value, a list or a
``$variable``), ``at_most``, ``at_least``, ``less_than``, ``more_than``
(a number, or a ``$variable`` bound to a number in an earlier condition),
``known: true|false``.  Number tests never match 'unknown'.  A value set
defined in policy.yaml stands for its list as ``"@name"``.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2 import nodes

from .errors import KnowledgeBaseError, did_you_mean, field_path
from .templating import make_environment
from .validation import every_problem, validate
from .vocabulary import FactType, fact_types
from .yamlio import Document, load_document

POLICY_FILE = "policy.yaml"
MAX_RULE_FILES = 40        # with at most 300 rules each (rules.schema.json)
# In all: loading, compiling and running cost grow with the number of rules (12,000, 40 files of 300,
# took half a minute to load and over a minute on a case of 60 persons and 60 events); the shipped rule
# base has about 150.
MAX_RULES = 1_000
NUMBER_OPS = {"at_most": "le", "at_least": "ge", "less_than": "lt", "more_than": "gt"}
OPERATORS = ("is", "one_of", "not", "known", *NUMBER_OPS)
# What a rule's sentence may use: ours, and Jinja's harmless text filters.
SENTENCE_FILTERS = ("human", "months", "onset_timing", "the_person", "event_name", "capitalize", "lower",
                    "upper", "title", "trim", "default", "join", "length", "round", "int", "abs", "first", "last")
_SENTENCE_NODES = (nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const,
                   nodes.Filter, nodes.If, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not,
                   nodes.CondExpr, nodes.Concat, nodes.Neg)
_VARIABLE = re.compile(r"^\$([a-z][a-z0-9_]*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class FieldTest:
    field: str
    op: str          # eq, in, not_in, lt, le, gt, ge, known, unknown, var, not_var, and lt_var .. ge_var
    value: object = None


@dataclass(frozen=True)
class Pattern:
    fact_type: str
    tests: tuple
    name: str | None = None  # binding name, for positive patterns


@dataclass(frozen=True)
class Group:
    kind: str        # "not" or "exists"
    items: tuple


@dataclass
class RuleSpec:
    id: str
    kind: str
    title: str
    says: str
    source: str
    basis: str
    when: tuple
    file: str
    line: int | None
    area: str | None = None
    direction: str = "for"
    weight: float = 0.0
    severity: str | None = None
    flag: str | None = None
    field_template: str | None = None
    school: str | None = None
    doc: str = ""
    examples: dict = field(default_factory=dict)
    raw_when: list = field(default_factory=list, repr=False)
    bindings: dict = field(default_factory=dict)     # name -> fact type, for positive patterns
    variables: dict = field(default_factory=dict)    # variable -> (fact type, field)
    _compiled: dict = field(default_factory=dict, repr=False)

    def _template(self, source: str) -> jinja2.Template:
        # Checked when the rule loaded; compiled on first use, since a case
        # fires only a fraction of the rules and compiling is most of the cost.
        template = self._compiled.get(source)
        if template is None:
            template = self._compiled[source] = _rule_text_environment().from_string(source)
        return template

    def render(self, context: dict) -> tuple[str, str | None]:
        try:
            text = self._template(self.says).render(context)
            target = (self._template(self.field_template).render(context)
                      if self.field_template is not None else None)
        except (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, LookupError) as exc:
            raise KnowledgeBaseError(f"rule '{self.id}': its sentence failed on this case: "
                                     f"{type(exc).__name__}: {exc}", source=self.file, line=self.line,
                                     field="says") from exc
        return " ".join(text.split()), target


@dataclass(frozen=True)
class AreaInfo:
    id: str
    name: str
    phrase: str
    goals: str
    source: str
    also_called: str = ""
    rater_agreement: str = ""
    treatable_rank: int = 0   # 1: the most workable within the time limit; breaks a tie last (ties.py)


@dataclass(frozen=True)
class Policy:
    areas: tuple            # AreaInfo, in the order declared (never a tie-break: see ties.py)
    second_area_min_score: float
    second_area_max_gap: float
    focus_source: str
    value_sets: dict = field(default_factory=dict)
    traps: dict = field(default_factory=dict)   # trap id -> {title, teaching, read}

    def area(self, area_id: str) -> AreaInfo:
        return next(a for a in self.areas if a.id == area_id)


@dataclass
class KnowledgeBase:
    directory: str
    rules: tuple             # RuleSpec, sorted by id
    policy: Policy
    files: tuple


# ---------------------------------------------------------------- loading
#
# One loader serves both uses.  Formulating stops at the first problem (the
# messages below); `rules lint` runs the same loader with collect=True, which
# records every problem and goes on: a broken rule is skipped but still counted
# as present (its kind, area and severity, when readable) so pack-wide checks
# add no knock-on errors, and only a file that cannot be read at all is dropped.

# The checks the loader makes, by id (listed with the lint-only checks in
# ipt_expert.rulechecks; every problem it reports carries one of these ids).
LOAD_CHECKS = (
    ("rule-directory", "error", "the directory holds a policy.yaml and 1 to 40 rule files with at most 1,000 "
                                "rules in all, and is not a directory of case files"),
    ("policy", "error", "policy.yaml is valid: its schema, each of the four areas once"),
    ("readable", "error", "each file reads as YAML data (UTF-8, at most 2 MB, no aliases, tags that build "
                          "objects or duplicate keys) and is a rule file, not a case file"),
    ("schema", "error", "every field of every rule is known and has a value of the right type "
                        "(rules.schema.json), with a did-you-mean"),
    ("kind-fields", "error", "a rule uses only the fields of its kind (no 'area' on a flag, no 'severity' on "
                             "evidence)"),
    ("conditions", "error", "conditions name known fact types, fields, values, tests and value sets (with a "
                            "did-you-mean); variables are bound before they are used"),
    ("sentence", "error", "sentences read only the fields of the facts the rule matches, with the allowed "
                          "filters; no calls, loops or unknown names"),
    ("join-budget", "error", "the facts a rule joins cannot make more partial matches than the budget, even on "
                             "the largest case allowed"),
    ("unique-ids", "error", "every rule id is used once across the files"),
)


class _Problems:
    """Where the loader's problems go: raised at once, or collected for `rules lint`."""

    def __init__(self, collect: bool):
        self.collect = collect
        self.found: list = []

    def add(self, error: KnowledgeBaseError, check: str, cause: BaseException | None = None) -> None:
        error.check = check
        if cause is not None and error.__cause__ is None:
            error.__cause__ = cause
        if not self.collect:
            raise error
        self.found.append(error)


@dataclass(frozen=True)
class DeclaredRule:
    """What a rule says it is, read even when the rule does not compile.

    Pack-wide checks (every area has evidence for and against, the safety
    rules are all there) count a broken rule by what it declares, so that its
    own error is not followed by knock-on errors.
    """

    id: str | None
    kind: str | None
    area: str | None
    direction: str | None
    severity: str | None
    raw_when: object
    file: str
    line: int | None


@dataclass
class RuleBaseReading:
    """Everything the loader found in a rule directory (for `rules lint`)."""

    directory: str
    policy: Policy | None
    rules: tuple                     # RuleSpec that compiled, sorted by id, ids unique
    declared: tuple                  # DeclaredRule for every rule read, compiled or not
    files: tuple
    unreadable: tuple                # files dropped whole (nothing in them could be read)
    problems: list


def rule_files(directory: Path) -> list:
    return sorted(p for p in directory.glob("*.yaml") if p.name != POLICY_FILE)


def load_knowledge_base(directory: str | os.PathLike) -> KnowledgeBase:
    """Load and check every rule file and the policy in ``directory`` (cached while unchanged)."""
    path = Path(directory)
    if not path.is_dir():
        raise KnowledgeBaseError("is not a directory of rule files", source=str(directory))
    if not os.access(path, os.R_OK | os.X_OK):   # glob would quietly find nothing
        raise KnowledgeBaseError("cannot be read: permission denied", source=str(directory))
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(path.glob("*.yaml")))
    return _load_cached(str(path.resolve()), stamp, str(directory))


@lru_cache(maxsize=8)
def _load_cached(resolved: str, stamp: tuple, shown: str) -> KnowledgeBase:
    reading = read_rule_base(resolved, shown, collect=False)
    return KnowledgeBase(directory=shown, rules=reading.rules, policy=reading.policy, files=reading.files)


def read_rule_base(directory: str | os.PathLike, shown: str | None = None, *, collect: bool) -> RuleBaseReading:
    """Read and check a rule directory: stop at the first problem, or (collect=True) record them all."""
    path = Path(directory)
    shown = str(directory) if shown is None else shown
    if not path.is_dir():
        raise KnowledgeBaseError("is not a directory of rule files", source=shown)
    if not os.access(path, os.R_OK | os.X_OK):   # glob would quietly find nothing
        raise KnowledgeBaseError("cannot be read: permission denied", source=shown)
    problems = _Problems(collect)
    files = rule_files(path)
    shown_files = tuple(str(Path(shown) / f.name) for f in files)
    policy_path = path / POLICY_FILE
    empty = RuleBaseReading(shown, None, (), (), shown_files, shown_files, problems.found)
    if not files:
        problems.add(KnowledgeBaseError("has no rule files (*.yaml)", source=shown), "rule-directory")
        return empty
    if not policy_path.is_file():
        case_file = _case_file_among(files)
        if case_file is not None:
            problems.add(KnowledgeBaseError(
                f"looks like a directory of case files, not rules ({case_file.name} is a case or vignette: it "
                f"has 'episode' and no 'rules'); give a rule directory, such as the shipped rules/, which "
                f"holds {POLICY_FILE} and the rule files", source=shown), "rule-directory")
            return empty
    if len(files) > MAX_RULE_FILES:
        problems.add(KnowledgeBaseError(f"has {len(files)} rule files; a rule base has at most {MAX_RULE_FILES}",
                                        source=shown), "rule-directory")
    policy = None
    if not policy_path.is_file():
        problems.add(KnowledgeBaseError(f"has no {POLICY_FILE} (areas and focus settings)", source=shown),
                     "rule-directory")
    else:
        try:
            policy = _load_policy(str(Path(shown) / POLICY_FILE), policy_path)
        except KnowledgeBaseError as exc:
            problems.add(exc, "policy")
    # Without the policy its value sets are unknown: conditions that use one are then left unchecked.
    value_sets = policy.value_sets if policy is not None else None
    rules: dict[str, RuleSpec] = {}
    declared: list = []
    seen: dict = {}            # rule id -> the DeclaredRule that used it first
    total = 0
    unreadable: list = []
    for rule_file, shown_file in zip(files, shown_files, strict=True):
        document = _read_rule_file(rule_file, shown_file, problems)
        if document is None:
            unreadable.append(shown_file)
            continue
        schema_errors = _schema_errors(document, problems)
        if schema_errors is None:
            unreadable.append(shown_file)
            continue
        total += len(document.data["rules"])
        if total > MAX_RULES:
            # Checked before compiling: the work stays bounded (the files after this one are not read).
            problems.add(KnowledgeBaseError(f"brings the rule base to {total:,} rules; a rule base has at most "
                                            f"{MAX_RULES:,} in all (the shipped one has about 150)",
                                            source=shown_file), "rule-directory")
            unreadable.extend(shown_files[shown_files.index(shown_file):])
            break
        for index, raw in enumerate(document.data["rules"]):
            compiler = _RuleCompiler(document, index, raw, value_sets, problems, schema_errors.get(index, ()))
            this = compiler.declared()
            declared.append(this)
            spec = compiler.compile()
            first = seen.setdefault(this.id, this) if this.id else this
            if first is not this:
                # Also when either rule is broken: the id clash is a problem of its own.
                problems.add(KnowledgeBaseError(f"rule id '{this.id}' is used twice (also {first.file}:{first.line})",
                                                source=this.file, line=this.line, field="id", rule=this.id,
                                                rule_in_message=True), "unique-ids")
                continue
            if spec is not None:
                rules[spec.id] = spec
    ordered = tuple(rules[k] for k in sorted(rules))
    return RuleBaseReading(shown, policy, ordered, tuple(declared), shown_files, tuple(unreadable), problems.found)


def _case_file_among(files: list, looked_at: int = 3):
    """The first of a few files that is a case or vignette, if any (a directory of cases passed as rules)."""
    for candidate in files[:looked_at]:
        try:
            document = load_document(str(candidate), what="file", error=KnowledgeBaseError)
        except KnowledgeBaseError:
            continue
        if _is_case_data(document.data):
            return candidate
    return None


def _is_case_data(data) -> bool:
    return isinstance(data, dict) and "rules" not in data and "episode" in data


def _read_rule_file(path: Path, shown: str, problems: _Problems):
    try:
        document = load_document(str(path), what="rule file", error=KnowledgeBaseError, shown=shown)
    except KnowledgeBaseError as exc:
        problems.add(exc, "readable")
        return None
    if _is_case_data(document.data):
        problems.add(KnowledgeBaseError("is a case or vignette file (it has 'episode' and no 'rules'), not a rule "
                                        "file; case files do not belong in a rule directory", source=shown),
                     "readable")
        return None
    return document


def _schema_errors(document: Document, problems: _Problems):
    """Schema errors by rule index; None when the file cannot be read as a list of rules at all."""
    if not problems.collect:
        try:
            validate(document, "rules", KnowledgeBaseError)
        except KnowledgeBaseError as exc:
            problems.add(exc, "schema")
        return {}
    by_rule: dict = {}
    dropped = False
    for path, message in every_problem(document, "rules"):
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            by_rule.setdefault(path[1], []).append((path, message))
            continue
        problems.add(KnowledgeBaseError(message, source=document.source, line=document.line_of(path),
                                        field=field_path(path) or None), "schema")
        if path[:1] in ((), ("rules",)):
            dropped = True      # no list of rules to go on with
    if dropped or not isinstance(document.data, dict) or not isinstance(document.data.get("rules"), list):
        return None
    return by_rule


def _load_policy(shown: str, path: Path) -> Policy:
    document = load_document(str(path), what="policy file", error=KnowledgeBaseError, shown=shown)
    validate(document, "policy", KnowledgeBaseError)
    data = document.data
    ids = [a["id"] for a in data["areas"]]
    if len(set(ids)) != 4:
        raise KnowledgeBaseError("must list each of the four areas once", source=shown,
                                 line=document.line_of(("areas",)), field="areas")
    focus = data["focus"]
    return Policy(areas=tuple(AreaInfo(**a) for a in data["areas"]),
                  second_area_min_score=float(focus["second_area_min_score"]),
                  second_area_max_gap=float(focus["second_area_max_gap"]),
                  focus_source=focus["source"], value_sets=dict(data.get("value_sets", {})),
                  traps=dict(data.get("traps", {})))


# ---------------------------------------------------------- rule compiler

class _Abandon(Exception):
    """Stop checking a part of a rule without an error of its own (its value sets are unknown)."""


class _RuleCompiler:
    """Checks one rule and turns its conditions into Patterns and Groups."""

    def __init__(self, document: Document, index: int, raw: dict, value_sets: dict | None,
                 problems: _Problems | None = None, schema_errors=()):
        self.document = document
        self.value_sets = value_sets
        self.raw = raw
        self.base = ("rules", index)
        raw_id = raw.get("id") if isinstance(raw, dict) else None
        self.rule_id = raw_id if isinstance(raw_id, str) and re.fullmatch(r"[a-z][a-z0-9_]{2,79}", raw_id) else None
        self.problems = problems or _Problems(collect=False)
        self.schema_errors = list(schema_errors)
        self.bindings: dict[str, str] = {}
        self.variables: dict[str, tuple] = {}
        self._auto = 0

    def fail(self, message: str, path: tuple, cause: Exception | None = None):
        full = self.base + tuple(path)
        error = KnowledgeBaseError(message, source=self.document.source, line=self.document.line_of(full),
                                   field=field_path(full), rule=self.rule_id)
        if cause is not None:
            raise error from cause
        raise error

    def _record(self, error: KnowledgeBaseError, check: str) -> None:
        self.failed = True
        self.problems.add(error, check)

    def _schema_ok(self, *keys) -> bool:
        """No schema error at or under any of these fields of the rule."""
        return not any(len(path) > 2 and path[2] in keys for path, _ in self.schema_errors)

    def declared(self) -> DeclaredRule:
        raw = self.raw if isinstance(self.raw, dict) else {}

        def word(key, default=None):
            value = raw.get(key, default)
            return value if isinstance(value, str) else None
        return DeclaredRule(id=self.rule_id, kind=word("kind", "evidence"), area=word("area"),
                            direction=word("direction", "for"), severity=word("severity"),
                            raw_when=raw.get("when"), file=self.document.source,
                            line=self.document.line_of(self.base + ("id",)))

    def compile(self) -> RuleSpec | None:
        """The checked rule, or None when it has a problem (recorded, or raised when not collecting)."""
        self.failed = False
        for path, message in self.schema_errors:
            self._record(KnowledgeBaseError(message, source=self.document.source, line=self.document.line_of(path),
                                            field=field_path(path), rule=self.rule_id), "schema")
        raw = self.raw
        if not isinstance(raw, dict):
            return None
        kind = raw.get("kind", "evidence")
        if self._schema_ok("kind"):
            for key, kinds in (("area", ("evidence",)), ("weight", ("evidence",)), ("direction", ("evidence",)),
                               ("severity", ("flag",)), ("flag", ("flag",)), ("field", ("missing",))):
                if key in raw and kind not in kinds:
                    try:
                        article = "an" if kind[0] in "aeiou" else "a"
                        self.fail(f"'{key}' belongs to {' or '.join(kinds)} rules, not to {article} {kind} rule",
                                  (key,))
                    except KnowledgeBaseError as exc:
                        self._record(exc, "kind-fields")
        when = self._conditions() if self._schema_ok("when") and "when" in raw else None
        for key in ("says", "field"):
            if key in raw and self._schema_ok(key) and isinstance(raw[key], str):
                try:
                    # Without sound conditions, what the sentence may name is unknown: check the rest only.
                    self._check_template(raw[key], (key,), names_known=when is not None)
                except KnowledgeBaseError as exc:
                    self._record(exc, "sentence")
        if when is None:
            return None
        if not self.failed:
            self._check_join_budget(when)
        if self.failed:
            return None
        spec = RuleSpec(
            id=raw["id"], kind=kind, title=raw["title"], says=raw["says"], source=raw["source"],
            basis=raw.get("basis", "checked"), when=when, file=self.document.source,
            line=self.document.line_of(self.base + ("id",)), area=raw.get("area"),
            direction=raw.get("direction", "for"), weight=float(raw.get("weight", 0.0)),
            severity=raw.get("severity"), flag=raw.get("flag", raw["id"]) if kind == "flag" else None,
            field_template=raw.get("field"), school=raw.get("school"),
            doc=raw.get("doc", ""), examples=raw["examples"], raw_when=raw["when"], bindings=dict(self.bindings),
            variables=dict(self.variables))
        return spec

    def _conditions(self) -> tuple | None:
        """The compiled conditions, or None when one has a problem (recorded).

        Conditions are checked one by one, so independent mistakes are all
        reported; after a condition that binds a variable or names a fact
        fails, the later ones are not checked, since they may rely on it.
        """
        compiled = []
        complete = True
        for i, item in enumerate(self.raw["when"]):
            try:
                compiled.append(self._item(item, ("when", i), positive=True))
            except KnowledgeBaseError as exc:
                self._record(exc, "conditions")
                complete = False
                if _binds_something(item):
                    break
            except _Abandon:
                complete = False
                if _binds_something(item):
                    break
        return tuple(compiled) if complete else None

    def _check_join_budget(self, when: tuple) -> None:
        from .joins import RULE_BUDGET, describe_worst_case, worst_case_partial_matches

        worst = worst_case_partial_matches(when)
        if worst > RULE_BUDGET:
            try:
                self.fail(f"its conditions can combine up to {worst:,} partial matches on the largest case allowed "
                          f"({describe_worst_case(when)}); the budget is {RULE_BUDGET:,} per rule: join the facts "
                          "on an id (an event's person: $p with a person's id: $p) or match fewer facts "
                          "at once", ("when",))
            except KnowledgeBaseError as exc:
                self._record(exc, "join-budget")

    # -- conditions
    def _item(self, item, path: tuple, positive: bool):
        if not isinstance(item, dict) or not item:
            self.fail("a condition must be a mapping such as {event: {kind: death}} or {not: ...}", path)
        keys = set(item)
        if keys & {"not", "exists"}:
            if len(keys) != 1:
                self.fail(f"'{sorted(keys & {'not', 'exists'})[0]}' must stand alone in its condition", path)
            kind = next(iter(keys))
            inner = item[kind]
            inner_items = inner if isinstance(inner, list) else [inner]
            if not inner_items:
                self.fail(f"'{kind}' needs at least one condition", path + (kind,))
            items = tuple(self._item(sub, path + (kind,) + ((i,) if isinstance(inner, list) else ()), positive=False)
                          for i, sub in enumerate(inner_items))
            return Group(kind, items)
        name = item.get("as")
        types = [k for k in keys if k != "as"]
        known_types = fact_types()
        if len(types) != 1:
            self.fail("a condition names exactly one fact type (and optionally 'as'), got "
                      + ", ".join(sorted(map(str, types))), path)
        fact_type = types[0]
        if fact_type not in known_types:
            self.fail(f"unknown fact type '{fact_type}'{did_you_mean(fact_type, known_types)}; "
                      f"expected one of: {', '.join(known_types)}, or not/exists", path + (fact_type,))
        spec = known_types[fact_type]
        where = item[fact_type] or {}
        if not isinstance(where, dict):
            self.fail(f"the tests on a {fact_type} must be a mapping of field: value", path + (fact_type,))
        tests = []
        for field_name, constraint in where.items():
            tests.extend(self._field(spec, field_name, constraint, path + (fact_type, field_name), positive))
        if name is not None:
            if not positive:
                self.fail("'as' names a matched fact; facts inside not/exists are not matched one by one",
                          path + ("as",))
            if not isinstance(name, str) or not _NAME.match(name) or name in known_types:
                self.fail(f"'as' must be a lower-case name that is not a fact type, got {name!r}", path + ("as",))
        if positive:
            if name is None:
                self._auto += 1
                name = fact_type if fact_type not in self.bindings else f"_{fact_type}{self._auto}"
            if name in self.bindings or name in self.variables:
                self.fail(f"the name '{name}' is used twice in this rule", path + ("as",))
            self.bindings[name] = fact_type
        return Pattern(fact_type, tuple(tests), name if positive else None)

    def _value(self, spec: FactType, field_name: str, value, path: tuple):
        field_spec = spec.fields[field_name]
        if field_spec.kind == "enum":
            if value not in field_spec.values or isinstance(value, bool) != any(
                    isinstance(v, bool) and v == value for v in field_spec.values):
                shown = ", ".join("true" if v is True else "false" if v is False else str(v) for v in field_spec.values)
                self.fail(f"{value!r} is not a value of {spec.name}.{field_name}"
                          f"{did_you_mean(value, [v for v in field_spec.values if isinstance(v, str)])}; "
                          f"expected one of: {shown}", path)
        elif field_spec.kind == "number":
            if value != "unknown" and (isinstance(value, bool) or not isinstance(value, (int, float))):
                self.fail(f"{spec.name}.{field_name} is a number of months or 'unknown', not {value!r}", path)
        elif not isinstance(value, str):
            self.fail(f"{spec.name}.{field_name} is text, not {value!r}", path)
        return value

    def _variable(self, token, spec: FactType, field_name: str, positive: bool, path: tuple):
        name = _VARIABLE.match(token).group(1)
        if name in self.bindings:
            self.fail(f"'${name}' is also the name of a matched fact", path)
        if name not in self.variables:
            if not positive:
                self.fail(f"'${name}' is used inside not/exists before it is bound; bind it in a condition above",
                          path)
            self.variables[name] = (spec.name, field_name)
        return name

    def _expand(self, value, path: tuple):
        """'@name' stands for the named value set of policy.yaml."""
        if isinstance(value, str) and value.startswith("@"):
            if self.value_sets is None:
                raise _Abandon()
            name = value[1:]
            if name not in self.value_sets:
                self.fail(f"unknown value set '{value}'{did_you_mean(name, self.value_sets)}; "
                          f"value sets are defined in policy.yaml: {', '.join(sorted(self.value_sets)) or 'none'}",
                          path)
            return list(self.value_sets[name])
        if isinstance(value, list):
            out = []
            for item in value:
                out.extend(self._expand(item, path) if isinstance(item, str) and item.startswith("@") else [item])
            return out
        return value

    def _field(self, spec: FactType, field_name, constraint, path: tuple, positive: bool) -> list:
        if field_name not in spec.fields:
            self.fail(f"'{field_name}' is not a field of {spec.name}{did_you_mean(field_name, spec.fields)}; "
                      f"expected one of: {', '.join(spec.fields)}", path)
        constraint = self._expand(constraint, path)
        if isinstance(constraint, str) and _VARIABLE.match(constraint):
            return [FieldTest(field_name, "var", self._variable(constraint, spec, field_name, positive, path))]
        if isinstance(constraint, list):
            if not constraint:
                self.fail("an empty list can never match", path)
            return [FieldTest(field_name, "in", tuple(self._value(spec, field_name, v, path) for v in constraint))]
        if not isinstance(constraint, dict):
            return [FieldTest(field_name, "eq", self._value(spec, field_name, constraint, path))]
        tests = []
        for op, operand in constraint.items():
            op_path = path + (op,)
            if op not in OPERATORS:
                self.fail(f"unknown test '{op}'{did_you_mean(op, OPERATORS)}; expected one of: {', '.join(OPERATORS)}",
                          op_path)
            if op == "is":
                tests.extend(self._field(spec, field_name, operand, path, positive))
            elif op == "one_of":
                if not isinstance(self._expand(operand, op_path), list):
                    self.fail("one_of takes a list", op_path)
                tests.extend(self._field(spec, field_name, operand, path, positive))
            elif op == "not":
                if isinstance(operand, str) and _VARIABLE.match(operand):
                    name = _VARIABLE.match(operand).group(1)
                    if not positive:
                        # experta does not carry an outer binding into a
                        # negated test inside NOT/EXISTS: it would always pass.
                        self.fail(f"'not: ${name}' cannot stand inside not/exists; match the fact in a "
                                  "condition of its own", op_path)
                    if name not in self.variables:
                        self.fail(f"'${name}' must be bound in an earlier condition before 'not: ${name}'", op_path)
                    tests.append(FieldTest(field_name, "not_var", name))
                else:
                    operand = self._expand(operand, op_path)
                    values = operand if isinstance(operand, list) else [operand]
                    tests.append(FieldTest(field_name, "not_in",
                                           tuple(self._value(spec, field_name, v, op_path) for v in values)))
            elif op == "known":
                if not isinstance(operand, bool):
                    self.fail("known takes true or false", op_path)
                tests.append(FieldTest(field_name, "known" if operand else "unknown"))
            else:
                if spec.fields[field_name].kind != "number":
                    self.fail(f"'{op}' compares numbers, but {spec.name}.{field_name} is not a number", op_path)
                if isinstance(operand, str) and _VARIABLE.match(operand):
                    name = _VARIABLE.match(operand).group(1)
                    if not positive:
                        self.fail(f"'{op}: ${name}' compares two facts; it cannot stand inside not/exists", op_path)
                    if name not in self.variables:
                        self.fail(f"'${name}' must be bound in an earlier condition before '{op}: ${name}'", op_path)
                    if fact_types()[self.variables[name][0]].fields[self.variables[name][1]].kind != "number":
                        self.fail(f"'${name}' is not a number, so '{op}' cannot compare with it", op_path)
                    tests.append(FieldTest(field_name, NUMBER_OPS[op] + "_var", name))
                    continue
                if isinstance(operand, bool) or not isinstance(operand, (int, float)):
                    self.fail(f"'{op}' takes a number or a $variable, not {operand!r}", op_path)
                tests.append(FieldTest(field_name, NUMBER_OPS[op], operand))
        return tests

    # -- rationale templates
    def _check_template(self, text: str, path: tuple, names_known: bool = True) -> None:
        """Check a sentence without compiling it: syntax, names, fields, filters.

        Sentences may name the rule's matched facts and variables, read a
        fact's fields (``event.kind``), apply the allowed filters, compare and
        choose with ``if``; nothing else: no calls, loops, includes,
        assignments or arithmetic, so no sentence can run long or reach
        anything but the facts.  They are rendered in Jinja's sandbox as well.
        """
        env = _rule_text_environment()
        try:
            tree = env.parse(text)
        except jinja2.TemplateSyntaxError as exc:
            self.fail(f"template syntax error: {exc.message}", path, exc)
        for node in tree.find_all(nodes.Node):
            if not isinstance(node, _SENTENCE_NODES):
                self.fail(f"a sentence may not use {type(node).__name__.lower()}: it may read fields, apply "
                          "filters, compare and use 'if'", path)
        known = dict(self.bindings)
        known.update({name: None for name in self.variables})
        local = {node.name for node in tree.find_all(nodes.Name) if node.ctx in ("store", "param")}

        def undefined(detail: str):
            names = sorted(known)
            self.fail(f"the sentence uses something the rule does not match ({detail}); "
                      f"it can use: {', '.join(names) if names else 'nothing (no fact is matched)'}", path)

        for node in tree.find_all(nodes.Name) if names_known else ():
            if node.ctx == "load" and node.name not in known and node.name not in local:
                undefined(f"'{node.name}' is undefined")
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)) if names_known else ():
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            target = node.node
            if not isinstance(target, nodes.Name) or known.get(target.name) is None or not isinstance(key, str):
                self.fail("a sentence may only read the fields of a matched fact, like {{ event.kind }}", path)
            fields = fact_types()[known[target.name]].fields
            if key not in fields:
                undefined(f"{known[target.name]} has no field '{key}'{did_you_mean(key, fields)}")
        # Calls, tests ('is defined') and keyword arguments never get here: the node whitelist above refuses them.
        for node in tree.find_all(nodes.Filter):
            if any(not isinstance(arg, nodes.Const) for arg in node.args) or node.dyn_args or node.dyn_kwargs:
                self.fail(f"the filter '{node.name}' may only take plain values as arguments", path)
            if node.name not in SENTENCE_FILTERS:
                self.fail(f"unknown filter '{node.name}'{did_you_mean(node.name, SENTENCE_FILTERS)}; "
                          f"sentences may use: {', '.join(SENTENCE_FILTERS)}", path)


def _binds_something(item) -> bool:
    """Whether a condition names a fact ('as') or uses a $variable, which later conditions may rely on."""
    if isinstance(item, dict):
        return "as" in item or any(_binds_something(value) for value in item.values())
    if isinstance(item, list):
        return any(_binds_something(value) for value in item)
    return isinstance(item, str) and item.startswith("$")


@lru_cache(maxsize=1)
def _rule_text_environment():
    return make_environment(for_sentences=True)
