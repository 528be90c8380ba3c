"""jsonschema-rs never accepts what jsonschema refuses (knowledge/validation.py).

A case, rule or policy file is shown first to jsonschema-rs (``plainly_valid``);
only what it does not accept goes to jsonschema, which decides and explains.
That is safe only in one direction: were jsonschema-rs to accept a file that
jsonschema refuses, the file would pass with no message at all. The other
disagreement (jsonschema-rs stricter, e.g. ``$`` before a trailing newline)
costs nothing: jsonschema then decides.

Checked here on every shipped file and test fixture, on random mutants of the
shipped vignettes and rule files, and, lest the check be vacuous, with a quick
validator that accepts everything.
"""
from __future__ import annotations

import copy
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, find, given, note, settings
from hypothesis import strategies as st

from ipt_expert.io.errors import CaseError, IptExpertError
from ipt_expert.io.yamlio import Document, load_document
from ipt_expert.knowledge import validation
from ipt_expert.knowledge.validation import _validator, plainly_valid, schema_problems

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"
SUFFIXES = (".yaml", ".yml", ".json")


def _data_files(folder: Path) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def _schema_of_fixture(path: Path) -> str | None:
    """The schema a data file under tests/ is read with; None for what is no case, rule or policy file."""
    relative = path.relative_to(TESTS)
    if relative == Path("bad_inputs/expected.yaml"):
        return None                           # the expected outcomes of the bad inputs, not an input
    if relative.parts[:2] == ("bad_inputs", "rules"):
        return "policy" if path.name == "policy.yaml" else "rules"
    return "case"


def _readable(pairs) -> list:
    """(path, schema, document) for each file the parser accepts (what it refuses never meets a schema)."""
    found = []
    for path, name in pairs:
        try:
            document = load_document(str(path), what="file")
        except IptExpertError:
            continue
        found.append((path, name, document))
    return found


VIGNETTES = _readable((p, "case") for p in _data_files(REPO / "case_vignettes"))
SHIPPED_RULES = _readable((p, "policy" if p.name == "policy.yaml" else "rules")
                          for p in sorted((REPO / "rules").glob("*.yaml")))
FIXTURES = _readable((p, name) for p in _data_files(TESTS) if (name := _schema_of_fixture(p)) is not None)


def _id(entry) -> str:
    return str(entry[0].relative_to(REPO))


def jsonschema_accepts(data, name: str) -> bool:
    return not list(_validator(name).iter_errors(data))


def safe(data, name: str) -> bool:
    """The property: whatever jsonschema-rs accepts, jsonschema accepts too."""
    return not plainly_valid(data, name) or jsonschema_accepts(data, name)


def test_the_files_are_found():
    assert len(VIGNETTES) >= 50
    assert {name for _, name, _ in SHIPPED_RULES} == {"rules", "policy"}
    assert {name for _, name, _ in FIXTURES} == {"case", "rules", "policy"}


@pytest.mark.parametrize("entry", VIGNETTES + SHIPPED_RULES, ids=_id)
def test_shipped_files_are_valid_to_both(entry):
    path, name, document = entry
    assert jsonschema_accepts(document.data, name), path
    assert plainly_valid(document.data, name), path
    assert schema_problems(document, name, IptExpertError) == []


@pytest.mark.parametrize("entry", FIXTURES, ids=_id)
def test_fixtures_are_never_accepted_by_jsonschema_rs_alone(entry):
    path, name, document = entry
    assert safe(document.data, name), path


# --- random mutants of valid files ---------------------------------------------------------------------------

LONG = "a" * 100_001
TRICKY = [True, False, 1, 1.0, -1, 0, -0.0, 0.5, 1000, 1001, 1200, 1200.5, -1200.5, 2**63, 2**64, 2**70, -(2**70),
          1e308, -1e308, float("nan"), float("inf"), float("-inf"), "", "x\n", "mother\n", "Mother", "mother ",
          "ümlaut", "unknown", "unknown\n", "grief", "grief\n", "ipt-expert-case/1", "ipt-expert-case/1\n",
          "mo\x00ther", "a" * 201, "a" * 20_001, LONG, None, [], {}, [1, True], [0, False], [1, 1.0],
          ["grief", "grief"], ["grief", "grief\n"], {"id": "mother"}, datetime.date(2024, 1, 31),
          datetime.datetime(2024, 1, 31, 12, 0)]
UNKNOWN_KEYS = ["unknown_key", "Mother", "id ", "id\n", "ümlaut", "", "$ref", "__proto__"]
NON_STRING_KEYS = [1, 0, True, None, 1.5, 2**70, (1, 2), datetime.date(2024, 1, 31)]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, prefix + (index,))


def _at(node, path):
    for part in path:
        node = node[part]
    return node


def _edits(text: str) -> list:
    """Near misses of a valid text: for patterns (``$`` before a newline), enumerations and lengths."""
    return [text + "\n", "\n" + text, text + " ", " " + text, text.upper(), text.capitalize(), text + "\x00",
            text + "ü", text.replace("_", "-"), text.replace(" ", "_"), text[:-1], text * 300, text + "\u0301",
            text + "\t"]


@st.composite
def mutants(draw, documents):
    """A valid document with one to four random changes: a tricky value or text, a key gone or added."""
    mutant = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(mutant))
        path = draw(st.sampled_from(paths))
        target = _at(mutant, path)
        value = copy.deepcopy(draw(st.one_of(
            st.sampled_from(TRICKY),
            st.sampled_from(paths).map(lambda other, m=mutant: _at(m, other)))))   # a subtree moved elsewhere
        how = draw(st.sampled_from(["replace", "edit text", "delete", "add key", "non-string key", "repeat item"]))
        if how == "replace":
            if path:
                _at(mutant, path[:-1])[path[-1]] = value
            else:
                mutant = value
        elif how == "edit text" and isinstance(target, str) and path:
            _at(mutant, path[:-1])[path[-1]] = draw(st.sampled_from(_edits(target)))
        elif how == "delete" and path:
            del _at(mutant, path[:-1])[path[-1]]
        elif how in ("add key", "non-string key") and isinstance(target, dict):
            keys = UNKNOWN_KEYS + [k for k in target if isinstance(k, str)] if how == "add key" else NON_STRING_KEYS
            target[draw(st.sampled_from(keys))] = value
        elif how == "repeat item" and isinstance(target, list) and target:
            target.append(copy.deepcopy(draw(st.sampled_from(target))))
    return mutant


VALID_CASES = [document.data for _, _, document in VIGNETTES]
VALID_RULES = [(name, document.data) for _, name, document in SHIPPED_RULES]
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(max_examples=300, **SETTINGS)
@given(mutants(VALID_CASES))
def test_jsonschema_rs_never_accepts_a_case_jsonschema_refuses(mutant):
    note(f"mutant: {mutant!r:.2000}")
    assert safe(mutant, "case")


@settings(max_examples=100, **SETTINGS)
@given(st.sampled_from(["rules", "policy"]).flatmap(
    lambda name: st.tuples(st.just(name), mutants([d for n, d in VALID_RULES if n == name]))))
def test_jsonschema_rs_never_accepts_rules_or_policy_jsonschema_refuses(named):
    name, mutant = named
    note(f"mutant ({name}): {mutant!r:.2000}")
    assert safe(mutant, name)


# --- values jsonschema-rs cannot take -----------------------------------------------------------------------

def _vignette_document() -> Document:
    path = VIGNETTES[0][0]
    return load_document(str(path), what="case file")


@pytest.mark.parametrize("where, value, field", [
    (("episode", "onset_months_ago"), datetime.date(2024, 1, 31), "episode.onset_months_ago"),
    (("episode", 7), "x", "episode.7"),                  # a key that is not text
    (("episode", None), 1, "episode.None"),
])
def test_a_value_jsonschema_rs_cannot_take_goes_to_jsonschema(where, value, field):
    document = _vignette_document()
    _at(document.data, where[:-1])[where[-1]] = value
    assert plainly_valid(document.data, "case") is False      # and did not raise
    problems = schema_problems(document, "case", CaseError)
    assert problems, "jsonschema must still refuse it"
    assert all(isinstance(p, CaseError) and p.source == document.source for p in problems)
    assert field in [p.field for p in problems]
    located = next(p for p in problems if p.field == field)
    assert located.line == document.line_of(where)


# --- values no file can hold, which a Python caller can give case_from_data --------------------------------

# jsonschema-rs takes a tuple as an array and Decimal('1') as an integer, where jsonschema refuses both.
# No YAML or JSON file can hold either, but case_from_data(data) can be given them: such data never
# goes to jsonschema-rs (validation._json_shaped), and jsonschema decides.
@pytest.mark.parametrize("where, make", [
    (("persons",), tuple),
    (("answer_key", "focus"), tuple),
    (("social", "close_relationships_now"), lambda _: Decimal(1)),
], ids=["persons-tuple", "focus-tuple", "count-decimal"])
def test_python_only_values_are_not_accepted_by_jsonschema_rs_alone(where, make):
    data = copy.deepcopy(VALID_CASES[0])
    holder = data
    for part in where[:-1]:
        holder = holder.setdefault(part, {})
    holder[where[-1]] = make(holder.get(where[-1]))
    assert not plainly_valid(data, "case") and not jsonschema_accepts(data, "case")
    assert safe(data, "case")


# --- the check can fail ------------------------------------------------------------------------------------

class _AcceptsEverything:
    def is_valid(self, data):
        return True


def test_the_agreement_check_catches_a_validator_that_accepts_too_much(monkeypatch):
    broken = copy.deepcopy(VALID_CASES[0])
    broken["episode"]["onset_months_ago"] = "soon"
    assert safe(broken, "case")                                 # the real quick validator refuses it
    monkeypatch.setattr(validation, "_quick_validator", lambda name: _AcceptsEverything())
    assert plainly_valid(broken, "case") and not jsonschema_accepts(broken, "case")
    assert not safe(broken, "case")
    # The cost of such a bug: the file would pass without a word.
    assert schema_problems(Document(data=broken, source="<data>"), "case", CaseError) == []
    # And the property test's own mutants find such a disagreement at once.
    found = find(mutants(VALID_CASES), lambda m: not safe(m, "case"),
                 settings=settings(max_examples=200, database=None, **SETTINGS))
    assert not jsonschema_accepts(found, "case")
