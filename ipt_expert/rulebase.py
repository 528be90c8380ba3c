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
from .validation import validate
from .vocabulary import FactType, fact_types
from .yamlio import Document, load_document

POLICY_FILE = "policy.yaml"
MAX_RULE_FILES = 40        # with at most 300 rules each (rules.schema.json)
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


@dataclass(frozen=True)
class Policy:
    areas: tuple            # AreaInfo, in tie-break order
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
    directory = Path(resolved)
    files = rule_files(directory)
    if not files:
        raise KnowledgeBaseError("has no rule files (*.yaml)", source=shown)
    if len(files) > MAX_RULE_FILES:
        raise KnowledgeBaseError(f"has {len(files)} rule files; a rule base has at most {MAX_RULE_FILES}",
                                 source=shown)
    policy_path = directory / POLICY_FILE
    if not policy_path.is_file():
        raise KnowledgeBaseError(f"has no {POLICY_FILE} (areas and focus settings)", source=shown)
    policy = _load_policy(str(Path(shown) / POLICY_FILE), policy_path)
    rules: dict[str, RuleSpec] = {}
    for rule_file in files:
        shown_file = str(Path(shown) / rule_file.name)
        for spec in load_rule_file(rule_file, shown_file, policy.value_sets):
            if spec.id in rules:
                first = rules[spec.id]
                raise KnowledgeBaseError(f"rule id '{spec.id}' is used twice (also {first.file}:{first.line})",
                                         source=spec.file, line=spec.line, field="id")
            rules[spec.id] = spec
    ordered = tuple(rules[k] for k in sorted(rules))
    return KnowledgeBase(directory=shown, rules=ordered, policy=policy,
                         files=tuple(str(Path(shown) / f.name) for f in files))


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


def load_rule_file(path: Path, shown: str | None = None, value_sets: dict | None = None) -> list:
    document = load_document(str(path), what="rule file", error=KnowledgeBaseError, shown=shown)
    validate(document, "rules", KnowledgeBaseError)
    return [_RuleCompiler(document, index, raw, value_sets or {}).compile()
            for index, raw in enumerate(document.data["rules"])]


# ---------------------------------------------------------- rule compiler

class _RuleCompiler:
    """Checks one rule and turns its conditions into Patterns and Groups."""

    def __init__(self, document: Document, index: int, raw: dict, value_sets: dict):
        self.document = document
        self.value_sets = value_sets
        self.raw = raw
        self.base = ("rules", index)
        self.rule_id = raw["id"]
        self.bindings: dict[str, str] = {}
        self.variables: dict[str, tuple] = {}
        self._auto = 0

    def fail(self, message: str, path: tuple, cause: Exception | None = None):
        full = self.base + tuple(path)
        error = KnowledgeBaseError(f"rule '{self.rule_id}': {message}", source=self.document.source,
                                   line=self.document.line_of(full), field=field_path(full))
        if cause is not None:
            raise error from cause
        raise error

    def compile(self) -> RuleSpec:
        raw = self.raw
        kind = raw.get("kind", "evidence")
        if not re.fullmatch(r"[a-z][a-z0-9_]{2,79}", self.rule_id):
            self.fail("the id may hold lower-case letters, digits and '_' only", ("id",))
        for key, kinds in (("area", ("evidence",)), ("weight", ("evidence",)), ("direction", ("evidence",)),
                           ("severity", ("flag",)), ("flag", ("flag",)), ("field", ("missing",))):
            if key in raw and kind not in kinds:
                article = "an" if kind[0] in "aeiou" else "a"
                self.fail(f"'{key}' belongs to {' or '.join(kinds)} rules, not to {article} "
                          f"{kind} rule", (key,))
        when = tuple(self._item(item, ("when", i), positive=True) for i, item in enumerate(raw["when"]))
        spec = RuleSpec(
            id=raw["id"], kind=kind, title=raw["title"], says=raw["says"], source=raw["source"],
            basis=raw.get("basis", "checked"), when=when, file=self.document.source,
            line=self.document.line_of(self.base + ("id",)), area=raw.get("area"),
            direction=raw.get("direction", "for"), weight=float(raw.get("weight", 0.0)),
            severity=raw.get("severity"), flag=raw.get("flag", raw["id"]) if kind == "flag" else None,
            field_template=raw.get("field"), school=raw.get("school"),
            doc=raw.get("doc", ""), examples=raw["examples"], raw_when=raw["when"], bindings=dict(self.bindings),
            variables=dict(self.variables))
        self._check_template(raw["says"], ("says",))
        if spec.field_template is not None:
            self._check_template(spec.field_template, ("field",))
        return spec

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
    def _check_template(self, text: str, path: tuple) -> None:
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

        for node in tree.find_all(nodes.Name):
            if node.ctx == "load" and node.name not in known and node.name not in local:
                undefined(f"'{node.name}' is undefined")
        for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
            key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
            target = node.node
            if not isinstance(target, nodes.Name) or known.get(target.name) is None or not isinstance(key, str):
                self.fail("a sentence may only read the fields of a matched fact, like {{ event.kind }}", path)
            fields = fact_types()[known[target.name]].fields
            if key not in fields:
                undefined(f"{known[target.name]} has no field '{key}'{did_you_mean(key, fields)}")
        for _call in tree.find_all(nodes.Call):
            self.fail("a sentence may not call anything; use a filter, like {{ event.kind | human }}", path)
        for node in tree.find_all(nodes.Filter):
            if any(not isinstance(arg, nodes.Const) for arg in node.args) or node.kwargs or node.dyn_args:
                self.fail(f"the filter '{node.name}' may only take plain values as arguments", path)
            if node.name not in SENTENCE_FILTERS:
                self.fail(f"unknown filter '{node.name}'{did_you_mean(node.name, SENTENCE_FILTERS)}; "
                          f"sentences may use: {', '.join(SENTENCE_FILTERS)}", path)
        for node in tree.find_all(nodes.Test):
            if node.name not in env.tests:
                self.fail(f"unknown test '{node.name}'{did_you_mean(node.name, env.tests)}", path)


@lru_cache(maxsize=1)
def _rule_text_environment():
    return make_environment(for_sentences=True)
