"""Compiling one rule's YAML into the condition model, checked against the vocabulary.

Every problem is collected with its file, line and field, and a
did-you-mean; a rule with a problem is abandoned, the others still compile,
so that one run lists every mistake of a rule file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import jinja2
from jinja2 import nodes

from ipt_expert.io.errors import KnowledgeBaseError, did_you_mean, field_path
from ipt_expert.io.yamlio import Document
from ipt_expert.knowledge import sentences
from ipt_expert.knowledge.conditions import (
    NUMBER_OPS,
    OPERATORS,
    SENTENCE_FILTERS,
    FieldTest,
    Group,
    Pattern,
    RuleSpec,
    _rule_text_environment,
)
from ipt_expert.knowledge.vocabulary import FactType, fact_types

# What a sentence may be made of (anything else is refused when the rule loads).
_SENTENCE_NODES = (nodes.Output, nodes.TemplateData, nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Const,
                   nodes.Filter, nodes.If, nodes.Compare, nodes.Operand, nodes.And, nodes.Or, nodes.Not,
                   nodes.CondExpr, nodes.Concat, nodes.Neg)


_VARIABLE = re.compile(r"^\$([a-z][a-z0-9_]*)$")


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Names experta's Rule.__call__ takes beside the matched facts: a binding of the same name would collide
# with it when the rule fires (the action's own 'engine' is positional-only, engine.py).
_RESERVED_NAMES = frozenset({"self"})


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
        trees = {}
        for key in ("says", "field"):
            if key in raw and self._schema_ok(key) and isinstance(raw[key], str):
                try:
                    # Without sound conditions, what the sentence may name is unknown: check the rest only.
                    trees[key] = sentences.tree_of(self._check_template(raw[key], (key,), names_known=when is not None))
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
            variables=dict(self.variables), says_tree=trees.get("says"), field_tree=trees.get("field"))
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
        from ipt_expert.knowledge.joins import RULE_BUDGET, describe_worst_case, worst_case_partial_matches

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
            if name in _RESERVED_NAMES:
                self.fail(f"'{name}' is a name the engine keeps for itself; name the fact something else",
                          path + ("as",))
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
        if name in _RESERVED_NAMES:
            self.fail(f"'${name}' is a name the engine keeps for itself; use another variable name", path)
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
    def _check_template(self, text: str, path: tuple, names_known: bool = True):
        """Check a sentence without compiling it: syntax, names, fields, filters. Returns Jinja's parse of it.

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
        return tree


def _binds_something(item) -> bool:
    """Whether a condition names a fact ('as') or uses a $variable, which later conditions may rely on."""
    if isinstance(item, dict):
        return "as" in item or any(_binds_something(value) for value in item.values())
    if isinstance(item, list):
        return any(_binds_something(value) for value in item)
    return isinstance(item, str) and item.startswith("$")
