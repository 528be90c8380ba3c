"""How data files are read: YAML 1.1's silent misreadings refused, JSON read as JSON
wherever it comes from, and messages that explain what YAML did with a word."""
from __future__ import annotations

import io
import json
import os

import pytest

from ipt_expert.case.loading import load_case
from ipt_expert.io.errors import CaseError

CASE = {"id": "demo", "title": "\U0001F600 café", "episode": {"onset_months_ago": 4},
        "persons": [{"id": "husband", "closeness": "inner", "alive": False}],
        "events": [{"kind": "death", "person": "husband", "months_before_onset": 2}]}


def from_stdin(monkeypatch, text: str):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8"))))
    return load_case("-")


def from_file(tmp_path, text: str, name: str = "case.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_case(str(path))


def error_of(load, *args) -> str:
    with pytest.raises(CaseError) as info:
        load(*args)
    return info.value.message


@pytest.mark.parametrize("number, value", [("4e0", 4.0), ("1E1", 10.0), ("2.5e-1", 0.25)])
def test_json_exponents_are_numbers(tmp_path, monkeypatch, number, value):
    text = json.dumps(CASE).replace('"onset_months_ago": 4', f'"onset_months_ago": {number}')
    assert from_file(tmp_path, text).data["episode"]["onset_months_ago"] == value
    assert from_stdin(monkeypatch, text).data["episode"]["onset_months_ago"] == value


def test_json_escaped_surrogate_pairs_are_read(tmp_path, monkeypatch):
    text = json.dumps(CASE)           # ensure_ascii: the emoji is written as "\ud83d\ude00"
    assert "\\ud83d\\ude00" in text
    assert from_file(tmp_path, text).data == CASE
    assert from_stdin(monkeypatch, text).data == CASE


def test_json_keeps_line_numbers(tmp_path):
    text = json.dumps(CASE, indent=2).replace('"closeness": "inner"', '"closeness": "innr"')
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseError) as info:
        load_case(str(path))
    assert info.value.line == text[: text.index('"innr"')].count("\n") + 1


def test_trailing_comma_is_refused_alike_from_a_file_and_from_stdin(tmp_path, monkeypatch):
    text = json.dumps(CASE)[:-1] + ",}"
    expected = "not valid JSON: a comma before '}' (JSON allows no trailing comma)"
    assert error_of(from_file, tmp_path, text) == expected
    assert error_of(from_file, tmp_path, text, "case.txt") == expected
    assert error_of(from_stdin, monkeypatch, text) == expected


def test_yaml_flow_style_is_still_yaml(monkeypatch):
    assert from_stdin(monkeypatch, "{id: demo, episode: {onset_months_ago: 4}}\n").id == "demo"


@pytest.mark.parametrize("written, read_as", [("1:20", "a base-60 number, 80"), ("010", "an octal number, 8"),
                                              ("0x10", "a hexadecimal number, 16"), ("0b11", "a binary number, 3"),
                                              ("1_2", "12 (YAML ignores the '_')"),
                                              ("0.7_2", "0.72 (YAML ignores the '_')")])
def test_yaml_1_1_number_forms_are_refused(tmp_path, written, read_as):
    text = f"id: demo\nepisode: {{onset_months_ago: {written}}}\n"
    assert error_of(from_file, tmp_path, text, "case.yaml") == (
        f"{written} is read by YAML as {read_as}; write a plain number (digits only, e.g. 12 or 0.5), "
        "or put it in quotes if it is text")


def test_quoted_number_forms_are_text(tmp_path):
    case = from_file(tmp_path, "id: demo\ntitle: '1:20'\nnotes: \"010\"\nepisode: {onset_months_ago: 4}\n",
                     "case.yaml")
    assert (case.title, case.data["notes"]) == ("1:20", "010")


@pytest.mark.parametrize("written, value", [("4e0", 4.0), ("1E1", 10.0), ("-3", None), ("12", 12), ("0.5", 0.5)])
def test_plain_yaml_numbers(tmp_path, written, value):
    text = f"id: demo\nepisode: {{onset_months_ago: {written}}}\n"
    if value is None:
        assert "is not allowed" in error_of(from_file, tmp_path, text, "case.yaml")
    else:
        assert from_file(tmp_path, text, "case.yaml").data["episode"]["onset_months_ago"] == value


@pytest.mark.parametrize("written, message", [
    ("!!int four", "'four' is tagged !!int but is not a whole number; write a plain number"),
    ("!!float soon", "'soon' is tagged !!float but is not a number; write a plain number"),
    ("!!bool maybe", "'maybe' is tagged !!bool but is not true or false; write true or false"),
    ("!!timestamp x", "'x' is tagged !!timestamp: data files hold no dates; write months relative to onset instead"),
    ("2024-02-31", "2024-02-31 is read as a calendar date; write months relative to onset instead (or quote it)"),
    ("7" * 4300, "a number written with 4300 digits is too long; numbers here have at most 100 digits "
                 "(put it in quotes if it is text)"),
])
def test_values_yaml_cannot_build_are_input_errors(tmp_path, written, message):
    text = f"id: demo\nepisode:\n  onset_months_ago: {written}\n"
    assert error_of(from_file, tmp_path, text, "case.yaml") == message


def test_huge_number_in_json_is_an_input_error(tmp_path, monkeypatch):
    text = json.dumps(CASE)[:-1] + ', "notes": ' + "9" * 5000 + "}"
    expected = ("a number written with 5000 digits is too long; numbers here have at most 100 digits "
                "(put it in quotes if it is text)")
    assert error_of(from_file, tmp_path, text) == expected
    assert error_of(from_stdin, monkeypatch, text) == expected


@pytest.mark.parametrize("field, written, expected", [
    ("safety: {mania: no}", "no", "false is not allowed (did you mean 'none'?); expected one of: none, past, "
     "current, unknown (YAML reads yes, no, on, off, true and false as true or false: put the word in quotes, 'no')"),
    ("patient: {age_group: On}", "On", "true is not allowed; expected one of: child, adolescent, adult, late_life, "
     "unknown (YAML reads yes, no, on, off, true and false as true or false: put the word in quotes, 'On')"),
    ("title: 1.5", "1.5", "expected a text, got 1.5 (YAML reads 1.5 as a number: put it in quotes, '1.5', "
     "to make it text)"),
    ("social: {isolation: 3}", "3", "3 is not allowed; expected one of: none, since_onset, lifelong, unknown "
     "(YAML reads 3 as a number: put it in quotes, '3', to make it text)"),
    ("episode: {onset_months_ago: yes}", "yes", "true is not allowed; expected a number from 0 to 1200 or "
     "'unknown' (YAML reads yes, no, on, off, true and false as true or false: put the word in quotes, 'yes')"),
])
def test_words_yaml_made_booleans_or_numbers_are_explained(tmp_path, field, written, expected):
    text = "id: demo\nepisode: {onset_months_ago: 4}\n" + field + "\n"
    if field.startswith("episode"):
        text = "id: demo\n" + field + "\n"
    assert error_of(from_file, tmp_path, text, "case.yaml") == expected


def test_numbers_out_of_range_are_not_explained_as_yaml(tmp_path):
    text = "id: demo\nepisode: {onset_months_ago: -3}\n"
    assert error_of(from_file, tmp_path, text, "case.yaml") == (
        "-3 is not allowed; expected a number from 0 to 1200 or 'unknown'")


def test_json_booleans_are_not_explained_as_yaml(tmp_path):
    text = json.dumps({**CASE, "safety": {"mania": False}})
    assert error_of(from_file, tmp_path, text) == "false is not allowed; expected one of: none, past, current, unknown"


@pytest.mark.parametrize("field, word, value", [
    ("events[0].kind", "bereavement", "death"), ("events[0].kind", "Passed away", "death"),
    ("events[0].kind", "berievement", "death"), ("events[0].kind", "redundancy", "job_loss"),
    ("patient.age_group", "older adult", "late_life"), ("persons[0].relationship", "sister", "sibling"),
    ("persons[0].relationship", "boss", "manager"), ("answer_key.primary", "bereavement", "grief"),
])
def test_did_you_mean_knows_everyday_words(tmp_path, field, word, value):
    data = json.loads(json.dumps(CASE))
    data["answer_key"] = {"primary": "grief", "source": "test", "rationale": "test"}
    section, _, name = field.partition(".")
    target = data[section[:-3]][0] if section.endswith("[0]") else data.setdefault(section, {})
    target[name] = word
    assert f"(did you mean '{value}'?)" in error_of(from_file, tmp_path, json.dumps(data))


def test_synonyms_vocabulary_is_sound():
    """Every field and value of the vocabulary exists, every word is text and names one value of its field."""
    from ipt_expert.io.resources import load_schema
    from ipt_expert.knowledge.vocabulary import synonyms, synonyms_for

    schema = load_schema("case")
    areas = schema["$defs"]["area"]["enum"]
    for name, table in synonyms().items():
        if name == "area":
            values = areas
        else:
            section, field = name.split(".")
            node = schema["properties"][section]
            node = schema["$defs"][node["items"]["$ref"].split("/")[-1]] if "items" in node else node
            node = node["properties"][field]
            if "$ref" in node:
                node = schema["$defs"][node["$ref"].split("/")[-1]]
            values = node["enum"]
        assert synonyms_for(tuple(name.split(".")) if name != "area" else (), values) == table, name
        seen: dict = {}
        for value, words in table.items():
            for word in words:
                assert isinstance(word, str), (name, value, word)
                key = " ".join(word.lower().replace("_", " ").replace("-", " ").split())
                assert seen.setdefault(key, value) == value, f"{name}: '{word}' names {seen[key]} and {value}"


def test_synonyms_ship_with_the_package():
    from ipt_expert.io.resources import PACKAGE_DIR
    assert os.path.isfile(PACKAGE_DIR / "data" / "synonyms.yaml")
