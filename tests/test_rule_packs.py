"""Rule packs: one loader for formulate and lint, safety rules kept, joins bounded, cases not taken for rules."""
from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import REPO, VIGNETTES

from ipt_expert.io.resources import shipped_rules_dir

SUICIDE_PLAN = str(VIGNETTES / "safety-01-active-si-plan.yaml")


@pytest.fixture
def pack(tmp_path):
    """A copy of the shipped rules, to break."""
    folder = tmp_path / "pack"
    shutil.copytree(shipped_rules_dir(), folder)
    return folder


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def delete_rule(path: Path, rule_id: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {rule_id}\n")
    end = text.find("\n  - id: ", start + 1)
    path.write_text(text[:start] + (text[end + 1:] if end != -1 else ""), encoding="utf-8")


# ------------------------------------------------------------------ lint

# Seven different mistakes in one file: a misspelt key, an unknown field, an unknown value, an unknown filter,
# a field of another kind of rule, an id used twice, and a near miss on which the rule fires.
FIVE_MISTAKES = """\
rules:
  - id: my_grief_rule
    title: A death near onset
    area: grief
    weight: 0.5
    when:
      - event: {kind: death, distance_month: {at_most: 6}}
    says: "{{ event.person }} died."
    sources: Guide 2018
    examples:
      fires: {events: [{kind: death, months_before_onset: 1}]}
      silent: {events: [{kind: death, months_before_onset: 9}]}

  - id: my_conflict_note
    kind: note
    title: A conflict
    when:
      - person: {conflict: overtly}
    says: "A conflict with {{ person.id | the_persn }}."
    source: Guide 2018
    examples:
      fires: {persons: [{id: sister, conflict: overt}]}
      silent: {persons: [{id: sister, conflict: none}]}

  - id: my_flag
    kind: flag
    severity: warn
    area: grief
    title: A flag
    when:
      - safety: {mania: past}
    says: "Past mania."
    source: Guide 2018
    examples:
      fires: {safety: {mania: past}}
      silent: {safety: {mania: none}}

  - id: my_flag
    kind: note
    title: The same id again
    when:
      - episode: {course: recurrent}
    says: "Recurrent."
    source: Guide 2018
    examples:
      fires: {episode: {course: recurrent}}
      silent: {episode: {course: first}}

  - id: my_near_miss
    kind: note
    title: A near miss that is not one
    when:
      - episode: {course: recurrent}
    says: "Recurrent."
    source: Guide 2018
    examples:
      fires: {episode: {course: recurrent}}
      silent: {episode: {course: recurrent}}
"""

# The lists after "expected one of" / "may use" come from the vocabulary, the schema and the filters allowed.
FIVE_MISTAKES_OUTPUT = """\
PACK/mine.yaml:7: error [conditions]: rules[0].when[0].event.distance_month: rule 'my_grief_rule': \
'distance_month' is not a field of event (did you mean 'distance_months'?); expected one of: {event_fields}
PACK/mine.yaml:9: error [schema]: rules[0].sources: rule 'my_grief_rule': unknown key 'sources' \
(did you mean 'source'?); expected one of: {rule_keys}
PACK/mine.yaml:18: error [conditions]: rules[1].when[0].person.conflict: rule 'my_conflict_note': \
'overtly' is not a value of person.conflict (did you mean 'overt'?); expected one of: none, overt, inhibited, unknown
PACK/mine.yaml:19: error [sentence]: rules[1].says: rule 'my_conflict_note': unknown filter 'the_persn' \
(did you mean 'the_person'?); sentences may use: {filters}
PACK/mine.yaml:28: error [kind-fields]: rules[2].area: rule 'my_flag': 'area' belongs to evidence rules, \
not to a flag rule
PACK/mine.yaml:38: error [unique-ids]: id: rule id 'my_flag' is used twice (also PACK/mine.yaml:25)
PACK/mine.yaml:49: error [examples]: examples: rule 'my_near_miss': fires on its 'silent' example (the near miss)
"""


def five_mistakes_output() -> str:
    from ipt_expert.io.resources import load_schema
    from ipt_expert.knowledge.conditions import SENTENCE_FILTERS
    from ipt_expert.knowledge.vocabulary import fact_types

    return FIVE_MISTAKES_OUTPUT.format(
        event_fields=", ".join(fact_types()["event"].fields),
        rule_keys=", ".join(load_schema("rules")["$defs"]["rule"]["properties"]),
        filters=", ".join(SENTENCE_FILTERS))


def test_lint_reports_every_mistake_of_a_file_in_one_run(pack, run_cli):
    (pack / "mine.yaml").write_text(FIVE_MISTAKES, encoding="utf-8")
    result = run_cli("rules", "lint", str(pack))
    assert result.code == 4
    out = result.out.replace(str(pack), "PACK")
    lines = out.splitlines()
    assert lines[-1].endswith(" errors, 0 warnings")
    # Seven mistakes, seven lines, each with its check id; the file's other rules and the pack are fine.
    assert "\n".join(lines[:-1]) + "\n" == five_mistakes_output()
    checks = set(re.findall(r"error \[([a-z-]+)\]", out))
    assert len(checks) >= 5, checks


def test_lint_problems_carry_file_line_rule_and_check_as_fields(pack):
    from ipt_expert.reasoning.rulechecks import lint

    (pack / "mine.yaml").write_text(FIVE_MISTAKES, encoding="utf-8")
    problems = lint(str(pack)).problems
    first = problems[0]
    assert (first.source, first.line, first.rule, first.check) == (str(pack / "mine.yaml"), 7, "my_grief_rule",
                                                                   "conditions")
    assert "my_grief_rule" not in first.message
    assert [p.rule for p in problems] == ["my_grief_rule", "my_grief_rule", "my_conflict_note", "my_conflict_note",
                                          "my_flag", "my_flag", "my_near_miss"]


def test_lint_reports_independent_conditions_and_a_sentence(pack, run_cli):
    (pack / "mine.yaml").write_text(textwrap.dedent("""\
        rules:
          - id: my_rule
            kind: note
            title: Two conditions wrong, and the sentence
            when:
              - episode: {course: recurent}
              - social: {isolaton: since_onset}
            says: "{{ episode.course | humn }}"
            source: Guide 2018
            examples:
              fires: {}
              silent: {}
          - id: my_sentence
            kind: note
            title: Only the sentence wrong
            when:
              - episode: {course: recurrent}
            says: "{{ episode.course | humn }}"
            source: Guide 2018
            examples:
              fires: {episode: {course: recurrent}}
              silent: {}
        """), encoding="utf-8")
    out = run_cli("rules", "lint", str(pack)).out.replace(str(pack), "PACK")
    assert "rules[0].when[0].episode.course: rule 'my_rule': 'recurent' is not a value" in out
    assert "rules[0].when[1].social.isolaton: rule 'my_rule': 'isolaton' is not a field of social" in out
    assert "rules[1].says: rule 'my_sentence': unknown filter 'humn' (did you mean 'human'?)" in out
    # The broken rule's sentence is checked too, but not against names its broken conditions would have bound.
    assert "rules[0].says: rule 'my_rule': unknown filter 'humn'" in out
    assert "is undefined" not in out


def test_a_filter_cannot_take_a_fact_as_keyword_arguments(pack, run_cli):
    # '**event' was let through by the sentence check and failed only when a case fired the rule.
    replace_in(pack / "grief.yaml", "{{ event | event_name | capitalize }}", "{{ event.kind | human(**event) }}")
    result = run_cli("rules", "lint", str(pack))
    assert result.code == 4
    assert "error [sentence]: rules[0].says: rule 'grief_death_near_onset': the filter 'human' may only take plain " \
        "values as arguments" in result.out


def test_a_file_that_cannot_be_read_adds_no_knock_on_errors(pack, run_cli):
    (pack / "grief.yaml").write_text("rules: [\n", encoding="utf-8")
    (pack / "mine.yaml").write_text(FIVE_MISTAKES.split("\n\n  - id: my_conflict_note")[0] + "\n", encoding="utf-8")
    result = run_cli("rules", "lint", str(pack))
    lines = result.out.replace(str(pack), "PACK").splitlines()
    assert result.code == 4
    assert [line.split(": ")[0] for line in lines[:-1]] == ["PACK/grief.yaml:2", "PACK/mine.yaml:7",
                                                            "PACK/mine.yaml:9"], lines
    assert "error [readable]" in lines[0]
    assert not any("no rule gives evidence" in line or "is missing" in line for line in lines)
    assert lines[-1].endswith("(not run, as a file could not be read: area-coverage, stop-flag, unused-value-set)")


def test_a_broken_rule_still_counts_for_coverage(pack, run_cli):
    # The only rule of grief_broad_school.yaml... and every rule against grief broken in one go would be
    # needed for a coverage error; breaking one of them must not produce one.
    replace_in(pack / "grief.yaml", "grief_course: [delayed, chronic, distorted]}", "grief_course: [chronik]}")
    out = run_cli("rules", "lint", str(pack)).out
    assert "'chronik' is not a value" in out and "no rule gives evidence" not in out


def test_every_check_is_listed_and_documented(run_cli):
    from ipt_expert.reasoning.rulechecks import CHECKS

    listed = run_cli("rules", "checks")
    assert listed.code == 0
    assert [line.split()[0] for line in listed.out.splitlines()] == [c.id for c in CHECKS]
    assert run_cli("rules", "lint", "--list-checks").out == listed.out
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for check in CHECKS:
        assert f"`{check.id}`" in readme, f"README does not document the check {check.id}"
    assert len({c.id for c in CHECKS}) == len(CHECKS)


def test_loader_problems_name_a_registered_check(pack):
    from ipt_expert.knowledge.rulebase import read_rule_base
    from ipt_expert.reasoning.rulechecks import CHECKS

    (pack / "mine.yaml").write_text(FIVE_MISTAKES, encoding="utf-8")
    (pack / "bad.yaml").write_text("rules: [\n", encoding="utf-8")
    ids = {c.id for c in CHECKS}
    found = read_rule_base(pack, collect=True).problems
    assert found and all(error.check in ids for error in found)


def test_formulate_still_stops_at_the_first_problem(pack, run_cli, tmp_path):
    (pack / "mine.yaml").write_text(FIVE_MISTAKES, encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("id: c\nepisode: {onset_months_ago: 3}\n", encoding="utf-8")
    result = run_cli("formulate", str(case), "--rules", str(pack))
    assert result.code == 4
    # Schema first (the whole file), as before: one line, the first problem only.
    assert result.err.replace(str(pack), "PACK") == (
        "ipt-expert: error: PACK/mine.yaml:9: rules[0].sources: unknown key 'sources' (did you mean 'source'?); "
        "expected one of: id, kind, title, area, direction, weight, severity, flag, field, school, when, says, "
        "source, basis, doc, examples\n")


# ------------------------------------------------------------ safety rules

def test_a_pack_without_a_safety_rule_is_refused(pack, run_cli):
    delete_rule(pack / "safety.yaml", "active_suicidal_ideation")
    result = run_cli("formulate", SUICIDE_PLAN, "--rules", str(pack))
    assert result.code == 4 and result.out == ""
    assert result.err == (
        f"ipt-expert: error: {pack}: this rule pack removes or weakens 1 shipped safety rule: "
        "'active_suicidal_ideation' is missing. A formulation from it could miss a safety concern. Restore them, "
        "or give --allow-missing-safety-rules to go on (every report then lists them first)\n")
    for command in (["check", SUICIDE_PLAN, "--answer", "grief"], ["evaluate", str(VIGNETTES), "--jobs", "1"]):
        assert run_cli(*command, "--rules", str(pack)).code == 4, command


@pytest.mark.parametrize("change, problem", [
    (("active_suicidal_ideation\n    kind: flag\n    severity: stop", "active_suicidal_ideation\n    kind: flag\n"
      "    severity: warn"), "'active_suicidal_ideation' was lowered from stop to warn"),
    (("suicidal_ideation: [active, plan_or_intent]}", "suicidal_ideation: [active]}"),
     "'active_suicidal_ideation' has other conditions than the shipped rule"),
    (("active_suicidal_ideation\n    kind: flag\n", "active_suicidal_ideation\n    kind: flag\n    school: broad\n"),
     "'active_suicidal_ideation' now applies only under the broad grief school"),
])
def test_a_pack_weakening_a_safety_rule_is_refused(pack, run_cli, change, problem):
    replace_in(pack / "safety.yaml", *change)
    result = run_cli("formulate", SUICIDE_PLAN, "--rules", str(pack))
    assert result.code == 4
    assert f"removes or weakens 1 shipped safety rule: {problem}." in result.err


def test_a_safety_rule_kept_under_another_id_is_not_missing(pack, run_cli):
    replace_in(pack / "safety.yaml", "- id: active_suicidal_ideation\n", "- id: active_suicidal_thoughts\n")
    assert run_cli("formulate", SUICIDE_PLAN, "--rules", str(pack)).code == 0


def test_allowed_missing_safety_rules_come_first_in_every_report(pack, run_cli):
    delete_rule(pack / "safety.yaml", "active_suicidal_ideation")
    replace_in(pack / "safety.yaml", "homicidal_ideation\n    kind: flag\n    severity: stop",
               "homicidal_ideation\n    kind: flag\n    severity: warn")
    args = ("formulate", SUICIDE_PLAN, "--rules", str(pack), "--allow-missing-safety-rules")
    data = json.loads(run_cli(*args, "-f", "json").out)
    assert data["missing_safety_rules"] == [
        {"rule": "active_suicidal_ideation", "title": "Active suicidal ideation, with or without a plan",
         "problem": "is missing"},
        {"rule": "homicidal_ideation", "title": "Homicidal ideation", "problem": "was lowered from stop to warn"}]
    assert data["provisional"] is True
    text = run_cli(*args).out
    safety = text.index("SAFETY FIRST\n")
    assert text[safety:].startswith("SAFETY FIRST\n  [SAFETY RULES MISSING] This rule pack removes or weakens safety")
    assert text.index("- active_suicidal_ideation (Active suicidal ideation") < text.index("PROVISIONAL FOCUS")
    markdown = run_cli(*args, "-f", "markdown").out
    assert markdown.index("**Safety rules missing.**") < markdown.index("**missing — active_suicidal_ideation**") \
        < markdown.index("## Provisional focus")
    html = run_cli(*args, "-f", "html").out
    assert html.index("Safety rules missing.") < html.index("<code>homicidal_ideation</code>") \
        < html.index("Provisional focus")


def test_the_shipped_rules_miss_no_safety_rule(kb, make_case):
    from ipt_expert.knowledge.safetyrules import safety_gaps
    from ipt_expert.reasoning.formulation import formulate

    assert safety_gaps(kb) == ()
    assert formulate(make_case(), kb).to_dict()["missing_safety_rules"] == []


def test_lint_reports_missing_and_weakened_safety_rules(pack, run_cli):
    delete_rule(pack / "safety.yaml", "recent_suicide_attempt")
    replace_in(pack / "safety.yaml", "homicidal_ideation\n    kind: flag\n    severity: stop",
               "homicidal_ideation\n    kind: flag\n    severity: warn")
    result = run_cli("rules", "lint", str(pack))
    out = result.out.replace(str(pack), "PACK")
    assert result.code == 4
    assert ("PACK: error [safety-rules]: the shipped safety rule 'recent_suicide_attempt' (A recent suicide attempt) "
            "is missing; formulate refuses this pack unless given --allow-missing-safety-rules") in out
    assert re.search(r"PACK/safety.yaml:\d+: error \[safety-rules\]: rule 'homicidal_ideation': weakens the shipped "
                     r"safety rule of that id: it was lowered from stop to warn", out)
    allowed = run_cli("rules", "lint", str(pack), "--allow-missing-safety-rules")
    assert allowed.code == 0 and allowed.out.count("warning [safety-rules]") == 2


# ----------------------------------------------------------------- joins

FOUR_WAY_JOIN = """\
rules:
  - id: note_two_persons_two_events
    kind: note
    title: Joins two persons and two events with nothing in common
    when:
      - person: {closeness: inner}
      - person: {closeness: outer}
      - event: {timing: before}
      - event: {timing: after}
    says: "Many combinations."
    source: Guide 2018
    examples:
      fires: {}
      silent: {}
"""


def test_a_join_over_budget_is_refused_when_the_rules_load(pack, run_cli, tmp_path):
    (pack / "joins.yaml").write_text(FOUR_WAY_JOIN, encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("id: c\nepisode: {onset_months_ago: 3}\n", encoding="utf-8")
    result = run_cli("formulate", str(case), "--rules", str(pack))
    assert result.code == 4
    assert result.err == (
        f"ipt-expert: error: {pack}/joins.yaml:5: rules[0].when: rule 'note_two_persons_two_events': its conditions "
        "can combine up to 13,179,660 partial matches on the largest case allowed (60 persons x 60 persons x "
        "60 events x 60 events); the budget is 10,000 per rule: join the facts on an id (an event's person: $p "
        "with a person's id: $p) or match fewer facts at once\n")
    assert "error [join-budget]" in run_cli("rules", "lint", str(pack)).out


def test_joins_on_an_id_are_within_budget(kb):
    from ipt_expert.knowledge.joins import RULE_BUDGET, worst_case_partial_matches

    joined = next(spec for spec in kb.rules if spec.id == "transition_change_set_off_dispute")
    assert worst_case_partial_matches(joined.when) <= RULE_BUDGET
    assert max(worst_case_partial_matches(spec.when) for spec in kb.rules) <= RULE_BUDGET
    from ipt_expert.knowledge.joins import CASE_BUDGET
    assert sum(worst_case_partial_matches(spec.when) for spec in kb.rules) <= CASE_BUDGET / 2


def big_case(tmp_path, count: int) -> Path:
    persons = [{"id": f"friend {i}", "relationship": "friend", "closeness": "inner"} for i in range(count)]
    events = [{"kind": "move", "months_before_onset": 1, "id": f"move-{i}"} for i in range(count)]
    path = tmp_path / f"big{count}.json"
    path.write_text(json.dumps({"id": "big", "episode": {"onset_months_ago": 3}, "persons": persons,
                                "events": events}), encoding="utf-8")
    return path


def test_a_case_over_the_join_budget_is_refused_before_any_work(pack, run_cli, tmp_path):
    # Each rule is within its own budget (60 x 60 = 3,660 at most), but twenty of them on a case of 60 persons
    # and 60 events that all match would make 73,200 partial matches.
    rules = [{"id": f"note_person_and_move_{i}", "kind": "note", "title": "A person and a move",
              "when": [{"person": {"closeness": "inner"}}, {"event": {"kind": "move"}}], "says": "Combined.",
              "source": "Guide 2018",
              "examples": {which: {"persons": [{"id": "sister", "closeness": closeness}], "events": [{"kind": "move"}]}
                           for which, closeness in (("fires", "inner"), ("silent", "outer"))}}
             for i in range(20)]
    (pack / "joins.yaml").write_text(json.dumps({"rules": rules}), encoding="utf-8")
    result = run_cli("formulate", str(big_case(tmp_path, 60)), "--rules", str(pack))
    assert result.code == 4
    assert result.err.startswith(f"ipt-expert: error: {pack}: on this case the rules would combine up to ")
    assert "partial matches of facts, more than the budget of 50,000 (largest: 'note_person_and_move_9' 3,660" \
        in result.err
    assert run_cli("formulate", str(big_case(tmp_path, 10)), "--rules", str(pack)).code == 0


def test_the_shipped_rules_run_the_largest_case_allowed(run_cli, tmp_path):
    assert run_cli("formulate", str(big_case(tmp_path, 60))).code == 0


def test_a_pack_of_more_rules_than_the_limit_is_refused_before_compiling(pack, run_cli, tmp_path):
    # The shipped rules and 1,200 more (4 files of 300): under the old limits (40 files of 300) a pack of 12,000
    # took half a minute to load; the loader now stops at the file that passes 1,000 rules, before compiling it.
    source = (pack / "grief.yaml").read_text(encoding="utf-8")
    import yaml
    rule = yaml.safe_load(source)["rules"][0]
    for file_no in range(4):
        rules = [dict(rule, id=f"copy_{file_no}_{i}") for i in range(300)]
        (pack / f"zz{file_no}.yaml").write_text(json.dumps({"rules": rules}), encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text("id: c\nepisode: {onset_months_ago: 3}\n", encoding="utf-8")
    result = run_cli("formulate", str(case), "--rules", str(pack))
    assert result.code == 4
    assert re.fullmatch(rf"ipt-expert: error: {re.escape(str(pack))}/zz2.yaml: brings the rule base to 1,\d\d\d rules; "
                        r"a rule base has at most 1,000 in all \(the shipped one has about 150\)\n", result.err)
    lint = run_cli("rules", "lint", str(pack))
    assert lint.code == 4 and "error [rule-directory]: brings the rule base to" in lint.out


# ------------------------------------------------- cases passed as rules

def test_a_directory_of_cases_given_as_rules_is_named_as_such(run_cli):
    result = run_cli("formulate", SUICIDE_PLAN, "--rules", str(VIGNETTES))
    assert result.code == 4
    assert result.err.startswith(f"ipt-expert: error: {VIGNETTES}: looks like a directory of case files, not "
                                 "rules (")
    assert "give a rule directory, such as the shipped rules/, which holds policy.yaml and the rule files\n" \
        in result.err
    lint = run_cli("rules", "lint", str(VIGNETTES))
    assert lint.code == 4 and "error [rule-directory]: looks like a directory of case files" in lint.out
    assert len(lint.out.splitlines()) == 2


def test_a_case_file_among_rule_files_is_named_as_such(pack, run_cli):
    shutil.copy(SUICIDE_PLAN, pack / "stray.yaml")
    result = run_cli("rules", "lint", str(pack))
    assert result.code == 4
    assert (f"{pack}/stray.yaml: error [readable]: is a case or vignette file (it has 'episode' and no 'rules'), "
            "not a rule file") in result.out
