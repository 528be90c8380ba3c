"""Reading a trainee's rationale for meaning: which pieces of the key's evidence it covers.

Each piece of evidence behind the key's focus (one per rule that fired for
it) needs a few things said before a rationale covers it: the person it is
about, the event, when it happened relative to onset, and what the rule
looks for (guilt, an inhibited conflict, lifelong isolation...).  Each of
those is recognised through the vocabulary in ``data/synonyms.yaml`` (its
``events.kind`` and ``persons.relationship`` tables, shared with the
did-you-mean of enumerations, and its ``rationale`` section), kept as data,
so "spouse passed away 8 weeks before" covers "the death of the wife came 2
months before onset".  What the rule looks for is
read from the rule's own conditions and the values the case gives them, so a
new rule needs no code here, at most a line of vocabulary.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ipt_expert.knowledge.words import Vocabulary, compile_words, load_vocabulary

TIME_FIELDS = {"distance_months", "timing", "months_before_onset", "conflict_months_before_onset"}
NOT_CLUES = {"kind", "person", "id", "ref", "alive", "abusive"} | TIME_FIELDS
NUMBER_WORDS = ("a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "few", "several", "some", "many", "couple", "of")
MAX_PIECES = 8


@dataclass(frozen=True)
class Concept:
    what: str            # in words: 'the wife', 'the death', 'when (relative to onset)', 'guilt or anger'
    pattern: object      # compiled regex


@dataclass(frozen=True)
class Piece:
    rule: str
    area: str
    text: str            # the finding's sentence
    needs: tuple         # Concepts all to be said: the person, the event
    clues: tuple = ()    # Concepts of which one is enough: when, or what the rule looks for
    person: str | None = None


def _human(value) -> str:
    return str(value).replace("_", " ")


def _person_concept(person: dict, vocab: Vocabulary) -> Concept:
    label = str(person["id"]).lower()
    tokens = re.split(r"[\s_\-]+", label)
    words = [label, tokens[-1], *vocab.role.get(tokens[-1], ()), *vocab.role.get(label, ()),
             *vocab.relationship.get(str(person.get("relationship", "")).lower(), ())]
    return Concept(f"the {person['id']}", compile_words(words))


def _event_concept(event: dict, vocab: Vocabulary) -> Concept:
    kind = str(event.get("kind", "other"))
    words = [_human(kind), *vocab.event_kind.get(kind, ())]
    return Concept(f"the {_human(kind)}", compile_words(words))


def _clue_field(field: str) -> str:
    return "time" if field in TIME_FIELDS else field


def _clue_concept(field: str, value, vocab: Vocabulary) -> Concept | None:
    shown = str(value).lower() if not isinstance(value, bool) else ("true" if value else "false")
    key = f"{field}={shown}" if f"{field}={shown}" in vocab.clue else field
    words = vocab.clue.get(key)
    if not words:
        return None
    what = vocab.clue_names.get(key) or (_human(field) if isinstance(value, bool)
                                         else f"{_human(field)} {_human(value)}")
    return Concept(what, compile_words(words))


def evidence_pieces(formulation, areas) -> list:
    """The pieces of evidence behind ``areas`` (the key's focus), strongest first, one per rule."""
    cache = formulation.__dict__.setdefault("_rationale_pieces", {})
    if tuple(areas) in cache:
        return cache[tuple(areas)]
    from ipt_expert.case.facts import event_labels
    from ipt_expert.knowledge.conditions import Pattern
    from ipt_expert.knowledge.rulebase import load_knowledge_base

    vocab = load_vocabulary()
    rules = {r.id: r for r in load_knowledge_base(formulation.rules_dir).rules}
    data = formulation.case.data
    persons = {p["id"]: p for p in data.get("persons", [])}
    events = dict(zip(event_labels(data.get("events", [])), data.get("events", []), strict=True))
    sections = {"social": data.get("social", {}), "substance": data.get("substance_use", {}),
                "episode": data.get("episode", {}), "patient": data.get("patient", {})}
    timing = Concept("when, relative to onset", compile_words(vocab.timing))
    # A rule's own clue is what few rules of its area test: the dispute rules all test the conflict, only
    # one its timing, so "started a few months before" covers the timing rule, not every dispute rule.
    shared: dict = {}
    for rule in rules.values():
        if rule.kind == "evidence" and rule.direction == "for":
            for field in {_clue_field(t.field) for p in rule.when if isinstance(p, Pattern) for t in p.tests}:
                shared[(rule.area, field)] = shared.get((rule.area, field), 0) + 1
    pieces, seen = [], set()
    for area in areas:
        for finding in formulation.candidate(area).evidence:
            if finding.rule in seen or len(pieces) >= MAX_PIECES:
                continue
            seen.add(finding.rule)
            matched = {"person": None, "event": None}
            needs, clues = [], []
            for ref in finding.facts:     # structured references (engine.FactRef): type and label
                name = ref.label
                if ref.type == "event" and name in events:
                    matched["event"] = events[name]
                    needs.append(_event_concept(events[name], vocab))
                    if events[name].get("person") in persons:
                        matched["person"] = persons[events[name]["person"]]
                elif ref.type == "person" and name in persons:
                    matched["person"] = persons[name]
            if matched["person"] is not None:
                needs.insert(0, _person_concept(matched["person"], vocab))
            rule = rules.get(finding.rule)
            for pattern in (rule.when if rule else ()):
                if not isinstance(pattern, Pattern):
                    continue
                source = (matched.get(pattern.fact_type) if pattern.fact_type in ("person", "event")
                          else sections.get(pattern.fact_type)) or {}
                for test in pattern.tests:
                    if test.field in TIME_FIELDS:
                        clues.append((shared.get((area, "time"), 1), timing))
                    elif test.field not in NOT_CLUES and test.field in source:
                        concept = _clue_concept(test.field, source[test.field], vocab)
                        if concept is not None:
                            clues.append((shared.get((area, test.field), 1), concept))
            fewest = min((count for count, _ in clues), default=0)
            clues = [concept for count, concept in clues if count == fewest]
            needs = list({c.what: c for c in needs if c.pattern is not None}.values())
            clues = [c for c in {c.what: c for c in clues if c.pattern is not None}.values()
                     if c.what not in {n.what for n in needs}]
            person = matched["person"]["id"] if matched["person"] is not None else None
            pieces.append(Piece(finding.rule, area, " ".join(finding.text.split()), tuple(needs), tuple(clues),
                                person))
    cache[tuple(areas)] = pieces
    return pieces


def _said(concept: Concept, text: str) -> str | None:
    """The words of ``text`` that say ``concept`` (a time with its number: '8 weeks before'), or None."""
    if not concept.what.startswith("when"):
        match = concept.pattern.search(text)
        return text[match.start():match.end()] if match else None
    best = None
    for match in concept.pattern.finditer(text):
        start, end = match.start(), match.end()
        before = re.search(r"(\b(?:\d+(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")\s+){1,2}$", text[:start],
                           re.IGNORECASE)
        if before:
            start = before.start()
        after = re.match(r"\s+(before|after|ago|earlier|later|since|prior)\b", text[end:], re.IGNORECASE)
        if after:
            end += after.end()
        if best is None or end - start > best[1] - best[0]:
            best = (start, end)
    return text[best[0]:best[1]] if best else None


def read_rationale(text: str, pieces: list) -> list:
    """Per piece: covered (its person and event named, and one of its clues said), the words, what is missing."""
    out = []
    for piece in pieces:
        found, missing = [], []
        for concept in piece.needs:
            said = _said(concept, text)
            (found if said else missing).append(said or concept.what)
        clue_words = [w for w in (_said(c, text) for c in piece.clues) if w]
        if piece.clues and not clue_words:
            missing.append(" or ".join(c.what for c in piece.clues))
        found += clue_words
        covered = bool(piece.needs or piece.clues) and not missing
        out.append({"rule": piece.rule, "area": piece.area, "evidence": piece.text, "covered": covered,
                    "your_words": list(dict.fromkeys(found)), "missing": missing})
    return out


def rationale_feedback(text: str, formulation, key) -> tuple:
    """(sentences, coverage) for a rationale against the evidence behind the key's focus."""
    if not text or not text.strip():
        return [], []
    text = " ".join(text.replace("\u2019", "'").split())
    pieces = evidence_pieces(formulation, tuple(key.focus))
    coverage = read_rationale(text, pieces)
    sentences = []
    named = set()
    for piece in pieces[:3]:
        if piece.person and piece.person not in named:
            named.add(piece.person)
            person_concept = next((c for c in piece.needs if c.what == f"the {piece.person}"), None)
            if person_concept is not None and _said(person_concept, text):
                sentences.append(f"Your rationale names the {piece.person}, as the key's strongest evidence does.")
            else:
                sentences.append(f"Your rationale does not mention the {piece.person}, on whom the strongest "
                                 f"evidence for {formulation.policy.area(piece.area).phrase} rests.")
    covered = [c for c in coverage if c["covered"]]
    if coverage:
        sentences.append(f"Your rationale covers {len(covered)} of the {len(coverage)} pieces of evidence behind "
                         "the key's focus.")
    for c in coverage:
        if c["covered"]:
            words = ", ".join(f"'{w}'" for w in c["your_words"])
            sentences.append(f"Covered: {c['evidence'].rstrip('.')} (you wrote {words}).")
    for c in coverage:
        if not c["covered"]:
            sentences.append(f"Not covered: {c['evidence'].rstrip('.')} (nothing on {', '.join(c['missing'])}).")
    timing = formulation.__dict__["_rationale_pieces"].get("timing")
    if timing is None:
        timing = formulation.__dict__["_rationale_pieces"]["timing"] = compile_words(
            load_vocabulary().timing)
    if not timing.search(text):
        sentences.append("Your rationale does not place the problem in time relative to onset; IPT links the "
                         "focus to the onset or maintenance of the episode.")
    return sentences, coverage
