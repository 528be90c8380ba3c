"""The condition model a rule compiles into: ``Pattern``, ``Group``, ``FieldTest``, ``RuleSpec``.

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

from dataclasses import dataclass, field
from functools import lru_cache

from ipt_expert.io.errors import KnowledgeBaseError
from ipt_expert.knowledge import sentences

NUMBER_OPS = {"at_most": "le", "at_least": "ge", "less_than": "lt", "more_than": "gt"}


OPERATORS = ("is", "one_of", "not", "known", *NUMBER_OPS)

# What a rule's sentence may use: ours, and Jinja's harmless text filters.
SENTENCE_FILTERS = ("human", "months", "onset_timing", "the_person", "event_name", "capitalize", "lower",
                    "upper", "title", "trim", "default", "join", "length", "round", "int", "abs", "first", "last")


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
    # says and field_template as plain trees (sentences.py), None where Jinja alone renders them
    says_tree: list | None = None
    field_tree: list | None = None
    _compiled: dict = field(default_factory=dict, repr=False)

    def _template(self, source: str):
        # Checked when the rule loaded; compiled on first use, since a case
        # fires only a fraction of the rules and compiling is most of the cost.
        template = self._compiled.get(source)
        if template is None:
            template = self._compiled[source] = _rule_text_environment().from_string(source)
        return template

    def _sentence(self, source: str, tree: list | None, context: dict) -> str:
        if tree is not None:
            try:
                return sentences.render(tree, context)
            except Exception:    # Jinja renders it instead, and names any error
                pass
        return self._template(source).render(context)

    def render(self, context: dict) -> tuple[str, str | None]:
        try:
            text = self._sentence(self.says, self.says_tree, context)
            target = (self._sentence(self.field_template, self.field_tree, context)
                      if self.field_template is not None else None)
        except Exception as exc:
            import jinja2

            if not isinstance(exc, (jinja2.TemplateError, ArithmeticError, TypeError, ValueError, LookupError)):
                raise
            raise KnowledgeBaseError(f"rule '{self.id}': its sentence failed on this case: "
                                     f"{type(exc).__name__}: {exc}", source=self.file, line=self.line,
                                     field="says") from exc
        return " ".join(text.split()), target


@lru_cache(maxsize=1)
def _rule_text_environment():
    from ipt_expert.io.templating import make_environment

    return make_environment(for_sentences=True)
