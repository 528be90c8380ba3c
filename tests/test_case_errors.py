"""A malformed case file gives one clear line: file, line, field, what was expected."""
from __future__ import annotations

import os

import pytest
from helpers import ours

from ipt_expert.case.loading import load_case
from ipt_expert.io.errors import CaseError

GOOD = """\
id: demo
episode:
  onset_months_ago: 4
persons:
  - id: husband
    closeness: inner
    alive: false
events:
  - kind: death
    person: husband
    months_before_onset: 2
"""


def error_for(tmp_path, text, name="case.yaml", mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError) as info:
        load_case(str(path))
    return str(info.value).replace(str(tmp_path) + os.sep, "")


def test_good_case_loads(tmp_path):
    (tmp_path / "c.yaml").write_text(GOOD, encoding="utf-8")
    case = load_case(str(tmp_path / "c.yaml"))
    assert case.id == "demo" and not case.is_vignette


CASES = [
    ("misspelt key", GOOD.replace("closeness:", "closenes:"),
     "case.yaml:6: persons[0].closenes: unknown key 'closenes' (did you mean 'closeness'?); expected one of: id, "
     "relationship, closeness, alive, conflict, conflict_months_before_onset, expectations_reciprocal, "
     "dispute_stage, betrayal, abusive, can_confide, matters_most, notes"),
    ("misspelt value", GOOD.replace("closeness: inner", "closeness: innr"),
     "case.yaml:6: persons[0].closeness: 'innr' is not allowed (did you mean 'inner'?); expected one of: inner, "
     "middle, outer, unknown"),
    ("word yes-no as text", GOOD.replace("alive: false", "alive: dead"),
     "case.yaml:7: persons[0].alive: 'dead' is not allowed (did you mean 'false'?); expected one of: true, false, "
     "unknown"),
    ("missing required", GOOD.replace("id: demo\n", ""),
     "case.yaml:1: missing required field 'id'"),
    ("wrong type", GOOD.replace("onset_months_ago: 4", "onset_months_ago: four"),
     "case.yaml:3: episode.onset_months_ago: 'four' is not allowed; expected a number from 0 to 1200 or 'unknown'"),
    ("negative onset", GOOD.replace("onset_months_ago: 4", "onset_months_ago: -4"),
     "case.yaml:3: episode.onset_months_ago: -4 is not allowed; expected a number from 0 to 1200 or 'unknown'"),
    ("absurd months", GOOD.replace("months_before_onset: 2", "months_before_onset: 99999"),
     "case.yaml:11: events[0].months_before_onset: 99999 is not allowed; expected a number from -1200 to 1200 "
     "or 'unknown'"),
    ("person not in inventory", GOOD.replace("person: husband", "person: husbnd"),
     "case.yaml:10: events[0].person: 'husbnd' is not a person in the inventory (did you mean 'husband'?); add "
     "it to persons or correct the label"),
    ("duplicate role label", GOOD.replace("persons:\n", "persons:\n  - id: husband\n"),
     "case.yaml:6: persons[1].id: role label 'husband' is used twice (also persons[0]); make labels unique, "
     "e.g. 'older sister' and 'younger sister'"),
    ("name instead of role label", GOOD.replace("id: husband", "id: John"),
     "case.yaml:5: persons[0].id: 'John' is not a valid id: use a role label such as 'mother' or 'older sister' "
     "(lower-case letters, digits, spaces, ' - _), not a name"),
    ("unknown event kind", GOOD.replace("kind: death", "kind: divorse"),
     "case.yaml:9: events[0].kind: 'divorse' is not allowed (did you mean 'divorce'?); expected one of: death, "
     "stillbirth, neonatal_death, miscarriage, separation, divorce, breakup, marriage, new_relationship, "
     "job_loss, job_change, promotion, retirement, financial_loss, graduation, leaving_home, child_left_home, "
     "school_change, move, migration, pregnancy, birth, adoption, illness, injury, caregiving, recovery, "
     "loss_of_independence, trauma, betrayal, pet_death, other"),
    ("YAML syntax error", GOOD.replace("  onset_months_ago: 4", "  onset_months_ago: [4"),
     "case.yaml:4: not valid YAML or JSON (the parser says: ...)"),
    ("duplicate key", GOOD.replace("  onset_months_ago: 4", "  onset_months_ago: 4\n  onset_months_ago: 5"),
     "case.yaml:4: duplicate key 'onset_months_ago' (first at line 3)"),
    ("alias", GOOD.replace("    closeness: inner", "    closeness: &c inner\n    conflict: *c"),
     "case.yaml:7: YAML aliases (*c) are not allowed in data files"),
    ("python tag", GOOD.replace("id: demo", "id: !!python/object/apply:os.system ['echo hi']"),
     "case.yaml:1: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed: data files "
     "cannot build program objects"),
    ("top level list", "- id: demo\n",
     "case.yaml:1: expected a mapping of case fields at the top level, got a list"),
    ("empty", "", "case.yaml: is empty; expected a case file in YAML or JSON"),
    ("comment only", "# nothing here\n", "case.yaml: is empty; expected a case file in YAML or JSON"),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_case_message(tmp_path, text, expected):
    assert ours(error_for(tmp_path, text)) == expected


def test_json_case_with_syntax_error(tmp_path):
    assert error_for(tmp_path, '{"id": "demo", "episode": {"onset_months_ago": 4,}}', name="c.json") == (
        "c.json:1: not valid JSON: a comma before '}' (JSON allows no trailing comma)")


def test_binary_file(tmp_path):
    assert error_for(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00", mode="wb") == (
        "case.yaml: is binary, not text; expected a case file in YAML or JSON")


def test_not_utf8(tmp_path):
    assert error_for(tmp_path, "id: d\xe9mo\n".encode("latin-1"), mode="wb") == (
        "case.yaml:1: is not UTF-8 text (byte 0xe9 at offset 5)")


def test_directory(tmp_path):
    with pytest.raises(CaseError) as info:
        load_case(str(tmp_path))
    assert str(info.value) == f"{tmp_path}: is a directory; expected a case file in YAML or JSON"


def test_missing_file(tmp_path):
    with pytest.raises(CaseError) as info:
        load_case(str(tmp_path / "nope.yaml"))
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file; expected a case file in YAML or JSON"


def test_deep_nesting(tmp_path):
    text = "id: demo\nepisode: {onset_months_ago: 4}\nnotes: " + "[" * 100 + "]" * 100 + "\n"
    assert error_for(tmp_path, text) == "case.yaml:3: nesting deeper than 40 levels"


def test_alias_bomb_is_refused_quickly(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}, *a{i-1}]"
              for i in range(1, 10)]
    assert error_for(tmp_path, "\n".join(lines) + "\n") == (
        "case.yaml:2: YAML aliases (*a0) are not allowed in data files")


def test_too_large(tmp_path):
    text = "id: demo\nepisode: {onset_months_ago: 4}\nnotes: '" + "x" * 2_100_000 + "'\n"
    assert error_for(tmp_path, text) == "case.yaml: is larger than 2 MB; a case file in YAML or JSON is far smaller"


def test_yaml_boolean_word_where_text_is_expected(tmp_path):
    assert error_for(tmp_path, GOOD.replace("id: demo", "id: demo\ntitle: yes")) == (
        "case.yaml:2: title: expected a text, got true (YAML reads yes, no, on, off, true and false as true or "
        "false: put the word in quotes, 'yes')")


def test_nesting_limit_is_ours_whatever_the_fast_parser_allows(tmp_path, monkeypatch):
    """A fast parser with a nesting limit of its own (libyaml's, in whatever
    words its release uses) must not speak before our 40-level check."""
    import yaml

    from ipt_expert.io import yamlio

    class LimitedParser(yaml.SafeLoader):
        def get_event(self):
            event = super().get_event()
            self._seen = getattr(self, "_seen", 0) + 1
            if self._seen > 12:
                raise yaml.YAMLError("a third-party limit, in words that may change")
            return event
    monkeypatch.setattr(yamlio, "_Loader", LimitedParser)
    text = "id: demo\nepisode: {onset_months_ago: 4}\nnotes: " + "[" * 2000 + "]" * 2000 + "\n"
    assert error_for(tmp_path, text) == "case.yaml:3: nesting deeper than 40 levels"


def test_tab_indentation_is_named(tmp_path):
    text = GOOD.replace("    closeness: inner", "\tcloseness: inner")
    assert error_for(tmp_path, text).endswith(
        "a tab is used for indentation; YAML indents with spaces only (replace the tab with spaces)")
