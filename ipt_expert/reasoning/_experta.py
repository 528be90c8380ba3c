"""The one door to experta: every experta import in ipt-expert goes through here.

Three things have to happen before experta can be used safely, so they live in
one place that is easy to test and easy to delete once experta is fixed:

1. **Python 3.10+ import fix.** experta 1.9.4 (its final release) pins
   ``frozendict==1.2``, and frozendict 1.2 subclasses ``collections.Mapping``,
   which Python 3.10 removed (it lives in ``collections.abc``).  pip refuses a
   newer frozendict beside experta, and vendoring experta is not an option, so
   we restore the old alias before experta (and with it frozendict) is first
   imported.  That is the only removed stdlib API either package touches.

2. **Logging.** ``import experta`` calls ``logging.basicConfig()``, which adds
   a handler to the root logger and makes the application's own
   ``basicConfig()`` a silent no-op.  We remove exactly the handlers that the
   import added, so the user's logging is as it was.

3. **Determinism.** experta breaks ties between activations of equal salience
   with ``hash()`` of rule objects, some of which depend on ``id()``, so two
   runs of the same case can fire rules in different orders.  The strategy
   below orders the agenda by a total order (salience, matched fact ids, rule
   name); together with facts declared in a canonical order, every run fires
   the same rules in the same order.
"""
from __future__ import annotations

import collections
import collections.abc
import logging

if not hasattr(collections, "Mapping"):  # Python >= 3.10
    collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]

_root = logging.getLogger()
_handlers_before = list(_root.handlers)
_level_before = _root.level
try:
    import experta as _experta_module
    from experta import AND, AS, EXISTS, MATCH, NOT, TEST, Fact, KnowledgeEngine, L, P, Rule, W
    from experta.strategies import DepthStrategy
finally:
    # Undo experta's logging.basicConfig(): drop only what the import added.
    for _handler in list(_root.handlers):
        if _handler not in _handlers_before:
            _root.removeHandler(_handler)
    _root.setLevel(_level_before)

EXPERTA_VERSION = _experta_module.__version__


class TotalOrderStrategy(DepthStrategy):
    """Depth-first conflict resolution with a total order on activations.

    The key is (salience, matched fact ids in descending order, rule name):
    every part is a plain value, so the order never depends on ``hash()`` or
    ``id()``.  Rule names are unique in a compiled rule base.
    """

    def get_key(self, activation):
        fact_ids = sorted((f["__factid__"] for f in activation.facts), reverse=True)
        return (activation.rule.salience, fact_ids, activation.rule.__name__)


class DeterministicEngine(KnowledgeEngine):
    """A KnowledgeEngine whose firing order is the same on every run."""

    __strategy__ = TotalOrderStrategy


def conflict_set_nodes(engine) -> tuple:
    """The terminal node of every rule in the engine's Rete network (fixed once the network is built)."""
    nodes = getattr(engine, "_ipt_conflict_set_nodes", None)
    if nodes is None:
        nodes = engine._ipt_conflict_set_nodes = tuple(engine.matcher._get_conflict_set_nodes())
    return nodes


def current_matches(engine):
    """(rule name, context) of every match in working memory now, fired or not.

    A terminal node's memory holds the tokens that currently satisfy its rule:
    the conflict set, kept up to date by the network as facts are declared and
    retracted.  Reading it (rather than the agenda, which forgets what has
    fired) is what lets a what-if analysis change one fact on a running engine
    and see the whole result.
    """
    for node in conflict_set_nodes(engine):
        for info in node.memory:
            yield node.rule.__name__, {k: v for k, v in info.context
                                       if isinstance(k, str) and not k.startswith("__")}


def matched_rule_names(engine, without: frozenset = frozenset()) -> frozenset:
    """Names of the rules with at least one match; ``without``: ignore matches holding these fact ids.

    Leaving out the matches that hold a fact is what retracting it does to
    every rule whose patterns it can only satisfy (never a 'not' or an
    'exists'): the caller checks that before asking.
    """
    names = set()
    for node in conflict_set_nodes(engine):
        if not node.memory:
            continue
        if not without:
            names.add(node.rule.__name__)
            continue
        for info in node.memory:
            if not any(fact.get("__factid__") in without for fact in info.data):
                names.add(node.rule.__name__)
                break
    return frozenset(names)


def network_change(engine, removing=(), adding=()) -> None:
    """Send fact changes through the Rete network alone, for a trial that is undone before anything fires.

    ``engine.retract`` and ``engine.declare`` also keep the fact list and
    update the agenda, which costs a pass over every rule's terminal node per
    call: most of the price of a one-fact trial.  A what-if trial reads only
    the conflict set (see ``current_matches``) and puts the original facts
    back, so it goes to the network directly; ``resync_agenda`` brings the
    agenda up to date once the facts are as they were.  A fact new to the
    engine gets the next fact id, as the fact list would give it.
    """
    root = engine.matcher.root_node
    for fact in removing:
        root.remove(fact)
    for fact in adding:
        if fact.__factid__ is None:
            fact.__factid__ = engine.facts.last_index
            engine.facts.last_index += 1
        root.add(fact)


def drop_pending_activations(engine) -> None:
    """Forget the activations the network noted for the agenda and nobody collected.

    ``engine.reset()`` empties the network's memories but not these notes (and
    its first declare collects them), so a trial interrupted between
    ``network_change`` calls would otherwise hand stale activations to the next
    case's agenda.  Call it before ``reset()``.
    """
    engine.matcher.changes()


def resync_agenda(engine) -> None:
    """Give the agenda the activations the network noted since it was last updated (see ``network_change``)."""
    added, removed = engine.matcher.changes()
    engine.strategy.update_agenda(engine.agenda, added, removed)


__all__ = [
    "AND", "AS", "EXISTS", "MATCH", "NOT", "TEST", "Fact", "KnowledgeEngine", "L", "P", "Rule", "W",
    "DeterministicEngine", "TotalOrderStrategy", "EXPERTA_VERSION", "conflict_set_nodes", "current_matches",
    "matched_rule_names", "network_change", "resync_agenda", "drop_pending_activations",
]
