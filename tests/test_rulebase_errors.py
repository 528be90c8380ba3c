"""A broken rule fails at load time with file, line, rule id and a did-you-mean."""
from __future__ import annotations

import shutil
import textwrap

import pytest

from ipt_expert.io.errors import KnowledgeBaseError
from ipt_expert.io.resources import shipped_rules_dir
from ipt_expert.knowledge.rulebase import load_knowledge_base

GOOD_RULE = """\
rules:
  - id: my_rule
    title: A test rule
    area: grief
    weight: 0.5
    when:
      - event: {kind: death, distance_months: {at_most: 6}}
    says: "{{ event.person }} died."
    source: Guide 2018
    examples:
      fires: {events: [{kind: death, months_before_onset: 1}]}
      silent: {events: [{kind: death, months_before_onset: 9}]}
"""


@pytest.fixture
def rule_dir(tmp_path):
    shutil.copy(shipped_rules_dir() / "policy.yaml", tmp_path / "policy.yaml")
    return tmp_path


def load_with(rule_dir, text):
    (rule_dir / "mine.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_knowledge_base(rule_dir)


def error_of(rule_dir, text):
    with pytest.raises(KnowledgeBaseError) as info:
        load_with(rule_dir, text)
    return str(info.value).replace(str(rule_dir), "DIR")


def test_good_rule_loads(rule_dir):
    kb = load_with(rule_dir, GOOD_RULE)
    assert [r.id for r in kb.rules] == ["my_rule"]


def test_unknown_field_with_did_you_mean(rule_dir):
    text = GOOD_RULE.replace("distance_months: {at_most: 6}", "distance_month: {at_most: 6}")
    assert error_of(rule_dir, text) == (
        "DIR/mine.yaml:7: rules[0].when[0].event.distance_month: rule 'my_rule': 'distance_month' is not a "
        "field of event (did you mean 'distance_months'?); expected one of: ref, id, kind, months_before_onset, "
        "person, wanted, struggling, ongoing, grief_course, avoids_reminders, guilt_or_anger, "
        "unresolved_conflict, matters_most, anniversary_reaction, distance_months, timing, anniversary_at_onset")


def test_unknown_value_with_did_you_mean(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("kind: death,", "kind: deaht,"))
    assert message.startswith("DIR/mine.yaml:7: rules[0].when[0].event.kind: rule 'my_rule': 'deaht' is not a "
                              "value of event.kind (did you mean 'death'?); expected one of: death, stillbirth")


def test_unknown_fact_type(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("- event: {kind", "- evnt: {kind"))
    assert message == ("DIR/mine.yaml:7: rules[0].when[0].evnt: rule 'my_rule': unknown fact type 'evnt' "
                       "(did you mean 'event'?); expected one of: patient, episode, diagnosis, person, event, social, "
                       "safety, substance, options, or not/exists")


def test_unknown_value_set(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("kind: death,", 'kind: "@deaths",'))
    assert message.startswith("DIR/mine.yaml:7: rules[0].when[0].event.kind: rule 'my_rule': unknown value set "
                              "'@deaths' (did you mean 'death'?)")


def test_number_test_on_a_category(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("distance_months: {at_most: 6}", "kind: {at_most: 6}")
                       .replace("kind: death, kind", "kind"))
    assert message == ("DIR/mine.yaml:7: rules[0].when[0].event.kind.at_most: rule 'my_rule': 'at_most' "
                       "compares numbers, but event.kind is not a number")


def test_unknown_operator(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("at_most: 6", "atmost: 6"))
    assert message == ("DIR/mine.yaml:7: rules[0].when[0].event.distance_months.atmost: rule 'my_rule': "
                       "unknown test 'atmost' (did you mean 'at_most'?); expected one of: is, one_of, not, "
                       "known, at_most, at_least, less_than, more_than")


def test_sentence_naming_an_unmatched_fact(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("{{ event.person }}", "{{ person.id }}"))
    assert message == ("DIR/mine.yaml:8: rules[0].says: rule 'my_rule': the sentence uses something the rule "
                       "does not match ('person' is undefined); it can use: event")


def test_sentence_naming_an_unknown_field(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("{{ event.person }}", "{{ event.persn }}"))
    assert message == ("DIR/mine.yaml:8: rules[0].says: rule 'my_rule': the sentence uses something the rule does "
                       "not match (event has no field 'persn' (did you mean 'person'?)); it can use: event")


def test_sentence_with_unknown_filter(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("{{ event.person }}", "{{ event.person | humn }}"))
    assert message.startswith("DIR/mine.yaml:8: rules[0].says: rule 'my_rule': unknown filter 'humn' (did you mean "
                              "'human'?); sentences may use: human, months,")


def test_template_syntax_error(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("{{ event.person }}", "{{ event.person }"))
    assert message.startswith("DIR/mine.yaml:8: rules[0].says: rule 'my_rule': template syntax error:")


def test_duplicate_rule_id(rule_dir):
    (rule_dir / "other.yaml").write_text(GOOD_RULE, encoding="utf-8")
    message = error_of(rule_dir, GOOD_RULE)
    assert message == "DIR/other.yaml:2: id: rule id 'my_rule' is used twice (also DIR/mine.yaml:2)"


def test_missing_weight_for_evidence(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("    weight: 0.5\n", ""))
    assert message == "DIR/mine.yaml:2: rules[0]: missing required field 'weight'"


def test_weight_out_of_range(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("weight: 0.5", "weight: 1.5"))
    assert message == "DIR/mine.yaml:5: rules[0].weight: 1.5 is out of range; expected a number above 0 and below 1"


def test_unknown_rule_key(rule_dir):
    message = error_of(rule_dir, GOOD_RULE.replace("    source:", "    sources:"))
    assert message.startswith("DIR/mine.yaml:9: rules[0].sources: unknown key 'sources' (did you mean 'source'?)")


def test_variable_used_in_not_before_binding(rule_dir):
    text = GOOD_RULE.replace("      - event: {kind: death, distance_months: {at_most: 6}}\n",
                             "      - event: {kind: death, distance_months: {at_most: 6}}\n"
                             "      - not: {person: {id: $p}}\n")
    assert error_of(rule_dir, text) == (
        "DIR/mine.yaml:8: rules[0].when[1].not.person.id: rule 'my_rule': '$p' is used inside not/exists "
        "before it is bound; bind it in a condition above")


def fact_named(name: str, says: str) -> str:
    """GOOD_RULE with its event matched 'as: NAME' and its sentence replaced."""
    return GOOD_RULE.replace("{kind: death, distance_months: {at_most: 6}}\n",
                             f"{{kind: death, distance_months: {{at_most: 6}}}}\n        as: {name}\n"
                             ).replace("{{ event.person }}", says)


def test_a_name_the_engine_keeps_is_refused(rule_dir):
    """experta passes 'self' to a rule's action: a fact or variable of that name would crash the firing."""
    assert error_of(rule_dir, fact_named("self", "{{ self.person }}")) == (
        "DIR/mine.yaml:8: rules[0].when[0].as: rule 'my_rule': 'self' is a name the engine keeps for itself; "
        "name the fact something else")
    variable = GOOD_RULE.replace("      - event: {kind: death, distance_months: {at_most: 6}}\n",
                                 "      - event: {kind: death, person: $self, distance_months: {at_most: 6}}\n")
    assert error_of(rule_dir, variable) == (
        "DIR/mine.yaml:7: rules[0].when[0].event.person: rule 'my_rule': '$self' is a name the engine keeps for "
        "itself; use another variable name")


def test_a_fact_named_engine_fires_like_any_other(rule_dir):
    """The action's own engine argument is positional-only: a rule may name a fact 'engine'."""
    from ipt_expert.case.loading import case_from_data
    from ipt_expert.reasoning.engine import Reasoner

    kb = load_with(rule_dir, fact_named("engine", "{{ engine.kind }}"))
    case = case_from_data({"id": "c", "patient": {"age_group": "adult"}, "episode": {"onset_months_ago": 2},
                           "events": [{"kind": "death", "months_before_onset": 1}]})
    findings = Reasoner(kb).findings(case)
    assert [(f.rule, f.text) for f in findings if f.rule == "my_rule"] == [("my_rule", "death died.")]


def test_yaml_alias_in_rule_file_is_refused(rule_dir):
    text = GOOD_RULE.replace("title: A test rule", "title: &t A test rule\n    doc: *t")
    assert error_of(rule_dir, text) == "DIR/mine.yaml:4: YAML aliases (*t) are not allowed in data files"


def test_python_tag_in_rule_file_is_refused(rule_dir):
    text = GOOD_RULE.replace("title: A test rule", "title: !!python/object/apply:os.system ['true']")
    assert error_of(rule_dir, text) == (
        "DIR/mine.yaml:3: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed: data "
        "files cannot build program objects")


def test_missing_policy(tmp_path):
    (tmp_path / "mine.yaml").write_text(GOOD_RULE, encoding="utf-8")
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(tmp_path)
    assert str(info.value) == f"{tmp_path}: has no policy.yaml (areas and focus settings)"
