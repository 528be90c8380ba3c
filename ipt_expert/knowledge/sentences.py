"""Rule sentences rendered without Jinja, when they need nothing Jinja alone can do.

A rule's ``says`` and ``field`` are Jinja templates, checked when the rule
loads (``compiler.py``). Nearly all of them read a matched fact's field, apply
one of our filters, compare, join text with ``~`` and choose with ``if``. For those, loading also
keeps the parsed template as a small tree of plain values (lists, text,
numbers), which the rule-base cache keeps too, and ``render`` walks it. A cold
``formulate`` then needs neither Jinja's import nor its compiler, which were
about a fifth of its time.

Anything outside that subset (another filter, a ``{{ x if y }}`` with no
``else``, arithmetic) keeps no tree, and Jinja renders it. So does a sentence whose walk meets
something the subset does not settle exactly as Jinja would: an undefined
name, a field that is also an attribute of the fact, any error. Jinja then
renders it and reports any error as it always has. ``tests/test_sentences.py``
renders every shipped sentence on every vignette both ways, and random values
through every construct of the subset.
"""
from __future__ import annotations

import operator

from ipt_expert.io.wording import event_name, human, months, onset_timing, the_person

# Jinja's own text filters here are str methods applied to str(value), as Jinja applies them.
FILTERS = {"human": human, "months": months, "onset_timing": onset_timing, "the_person": the_person,
           "event_name": event_name, "capitalize": lambda v: str(v).capitalize(),
           "lower": lambda v: str(v).lower(), "upper": lambda v: str(v).upper(), "abs": abs,
           "trim": lambda v, chars=None: str(v).strip(chars)}
COMPARISONS = {"eq": operator.eq, "ne": operator.ne, "lt": operator.lt, "lteq": operator.le,
               "gt": operator.gt, "gteq": operator.ge}
CONSTANT_TYPES = (str, int, float, bool, type(None))


class Unrenderable(Exception):
    """The walk met something only Jinja settles exactly: Jinja renders the sentence instead."""


class _Unsupported(Exception):
    """A construct outside the subset: the sentence keeps no tree."""


def tree_of(template) -> list | None:
    """The plain tree of a parsed Jinja template (``Environment.parse``), or None when it is outside the subset."""
    try:
        return _block(template.body)
    except _Unsupported:
        return None


def _block(body) -> list:
    from jinja2 import nodes

    parts = []
    for node in body:
        if isinstance(node, nodes.Output):
            parts += [["text", child.data] if isinstance(child, nodes.TemplateData) else ["expr", _expression(child)]
                      for child in node.nodes]
        elif isinstance(node, nodes.If):
            branches = [[_expression(node.test), _block(node.body)]]
            branches += [[_expression(other.test), _block(other.body)] for other in node.elif_]
            parts.append(["if", branches, _block(node.else_)])
        else:
            raise _Unsupported(type(node).__name__)
    return parts


def _expression(node) -> list:
    from jinja2 import nodes

    if isinstance(node, nodes.Name) and node.ctx == "load":
        return ["name", node.name]
    if isinstance(node, nodes.Getattr):
        return ["attr", _expression(node.node), node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return ["item", _expression(node.node), node.arg.value]
    if isinstance(node, nodes.Const) and type(node.value) in CONSTANT_TYPES:
        return ["const", node.value]
    if (isinstance(node, nodes.Filter) and node.name in FILTERS and node.node is not None and not node.kwargs
            and node.dyn_args is None and node.dyn_kwargs is None
            and all(isinstance(a, nodes.Const) and type(a.value) in CONSTANT_TYPES for a in node.args)):
        return ["filter", node.name, _expression(node.node), [a.value for a in node.args]]
    if isinstance(node, nodes.CondExpr) and node.expr2 is not None:
        return ["choose", _expression(node.test), _expression(node.expr1), _expression(node.expr2)]
    if isinstance(node, nodes.Concat):
        return ["concat", [_expression(n) for n in node.nodes]]
    if isinstance(node, nodes.Compare) and all(o.op in COMPARISONS for o in node.ops):
        return ["compare", _expression(node.expr), [[o.op, _expression(o.expr)] for o in node.ops]]
    if isinstance(node, (nodes.And, nodes.Or)):
        return [type(node).__name__.lower(), _expression(node.left), _expression(node.right)]
    if isinstance(node, nodes.Not):
        return ["not", _expression(node.node)]
    raise _Unsupported(type(node).__name__)


def render(tree: list, context: dict) -> str:
    """The sentence for these matched facts and variables; Unrenderable when Jinja must render it."""
    out: list = []
    _run(tree, context, out)
    return "".join(out)


def _run(parts: list, context: dict, out: list) -> None:
    for part in parts:
        kind = part[0]
        if kind == "text":
            out.append(part[1])
        elif kind == "expr":
            out.append(str(_value(part[1], context)))
        else:
            for test, body in part[1]:
                if _value(test, context):
                    _run(body, context, out)
                    break
            else:
                _run(part[2], context, out)


def _value(node: list, context: dict):
    kind = node[0]
    if kind == "name":
        if node[1] not in context:
            raise Unrenderable(f"'{node[1]}' is undefined")
        return context[node[1]]
    if kind in ("attr", "item"):
        whole = _value(node[1], context)
        # Jinja reads an attribute before a key for 'fact.field' (the reverse for fact['field']):
        # a field that is also an attribute is left to Jinja.
        if hasattr(whole, node[2]) or not isinstance(whole, dict) or node[2] not in whole:
            raise Unrenderable(f"'{node[2]}' is not simply a field")
        return whole[node[2]]
    if kind == "const":
        return node[1]
    if kind == "filter":
        return FILTERS[node[1]](_value(node[2], context), *node[3])
    if kind == "choose":
        return _value(node[2], context) if _value(node[1], context) else _value(node[3], context)
    if kind == "concat":
        return "".join(str(_value(n, context)) for n in node[1])
    if kind == "compare":
        left = _value(node[1], context)
        for op, other in node[2]:
            right = _value(other, context)
            if not COMPARISONS[op](left, right):
                return False
            left = right
        return True
    if kind == "and":
        left = _value(node[1], context)
        return _value(node[2], context) if left else left
    if kind == "or":
        left = _value(node[1], context)
        return left if left else _value(node[2], context)
    if kind == "not":
        return not _value(node[1], context)
    raise Unrenderable(f"unknown node {kind!r}")
