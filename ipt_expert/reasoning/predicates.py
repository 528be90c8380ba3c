"""The tests a rule's field conditions make, as plain functions of a fact's value.

experta evaluates them inside the Rete network (``engine.py`` binds them into
field constraints) and ``matching.py`` evaluates the same functions outside it,
so the two can never disagree about what a condition means.

Module-level functions, bound with functools.partial (not lambdas in a loop,
whose variables bind late).
"""
from __future__ import annotations

import operator


def same(expected, value) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return expected is value
    return expected == value


def one_of(others: frozenset, bools: frozenset, value) -> bool:
    # Booleans apart: True == 1 in Python, but 'true' is not the number 1 here.
    if isinstance(value, bool):
        return value in bools
    return value in others


def none_of(others: frozenset, bools: frozenset, value) -> bool:
    return not one_of(others, bools, value)


def compare(op, bound, value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and op(value, bound)


def is_known(value) -> bool:
    return value != "unknown"


COMPARATORS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}


def split_values(values: tuple) -> tuple:
    """(the values that are not booleans, the booleans) of a list a condition names."""
    return (frozenset(v for v in values if not isinstance(v, bool)),
            frozenset(v for v in values if isinstance(v, bool)))
