"""The guided interview as a conversation (scripted answers; the real terminal is in test_interview_pty.py)."""
from __future__ import annotations

import pytest
import yaml

from ipt_expert.case.loading import load_case
from ipt_expert.case.timespan import implausible_months
from ipt_expert.interview.casedraft import applies
from ipt_expert.interview.flow import Interview, read_draft
from ipt_expert.interview.questions import (
    AnswerError,
    answer_notes,
    parse_answer,
    privacy_concern,
    read_time,
    script,
    wording,
)
from ipt_expert.reasoning.draft import draft_formulation
from ipt_expert.reasoning.formulation import formulate

CTRL_C = object()


class ScriptedIo:
    """Answers in order; records what was asked and said, in one transcript."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.transcript: list = []
        self.texts: list = []             # the wording of each question asked, in order

    def _next(self, what):
        if not self.answers:
            raise AssertionError(f"the interview asked more than the script answers: {what}")
        answer = self.answers.pop(0)
        if answer is CTRL_C:
            raise KeyboardInterrupt
        return answer

    def say(self, text):
        self.transcript.append(("say", text))

    def ask(self, question, default, validate):
        self.transcript.append(("ask", question.path))
        self.texts.append(question.text)
        return self._next(question.path)

    def menu(self, message, choices):
        wanted = self._next(message)
        self.transcript.append(("menu", message))
        return next(c for c in choices if c.lower().startswith(wanted.lower()))

    def confirm(self, message, default):
        self.transcript.append(("confirm", message))
        if message.startswith("Answer these follow-up questions"):
            return False          # what the engine would ask varies with the rules; not part of these scripts
        return self._next(message) == "y"

    def text(self, message, default):
        self.transcript.append(("text", message))
        answer = self._next(message)
        return answer if answer else default

    def said(self) -> str:
        return "\n".join(text for kind, text in self.transcript if kind == "say")


def question(path, section=None):
    for s in script().sections:
        if section and s.id != section:
            continue
        for q in s.questions:
            if q.path == path:
                return q
    raise KeyError(path)


# -- answers ------------------------------------------------------------------

@pytest.mark.parametrize("path,section,answer,value", [
    ("relationship", "persons", "sister", "sibling"),
    ("relationship", "persons", "Husband", "partner"),
    ("kind", "events", "bereavement", "death"),
    ("kind", "events", "laid off", "job_loss"),
    ("patient.age_group", None, "late life", "late_life"),
    ("closeness", "persons", "inner", "inner"),
    ("alive", "persons", "no", False),
    ("alive", "persons", "Yes", True),
    ("alive", "persons", "unknown", "unknown"),
    ("months_before_onset", "events", "3 months before", 3),
    ("months_before_onset", "events", "2 after", -2),
    ("months_before_onset", "events", "8 weeks before onset", 1.8),
    ("months_before_onset", "events", "1 year before", 12),
    ("episode.onset_months_ago", None, "4", 4),
    ("social.close_relationships_now", None, "3", 3),
    ("safety.mania", None, "never", "none"),
    ("episode.severity", None, "", ""),
])
def test_everyday_answers_become_field_values(path, section, answer, value):
    assert parse_answer(question(path, section), answer) == value


@pytest.mark.parametrize("path,section,answer,message", [
    ("closeness", "persons", "iner",
     "'iner' is not one of the choices (did you mean 'inner'?); choose from: inner, middle, outer, unknown"),
    ("alive", "persons", "perhaps", "'perhaps' is not an answer to a yes/no question; answer yes, no or unknown"),
    ("episode.onset_months_ago", None, "2 after", "write how many months ago, e.g. 4"),
    ("months_before_onset", "events", "soon",
     "'soon' is not a time; write months, e.g. 3, '3 months before', '8 weeks before', '2 after'"),
    ("months_before_onset", "events", "2000", "2000 is out of range; expected a number from -1200 to 1200"),
    ("social.close_relationships_now", None, "two", "'two' is not a whole number; write a count such as 3, or unknown"),
    ("id", "persons", "Older Sister!",
     "'Older Sister!' is not a role label: use lower-case words such as 'mother' or 'older sister' (letters, "
     "digits, spaces, ' - _)"),
])
def test_refused_answers_say_what_is_allowed(path, section, answer, message):
    with pytest.raises(AnswerError) as info:
        parse_answer(question(path, section), answer)
    assert info.value.message == message


def test_an_event_names_a_person_of_the_inventory():
    q = question("person", "events")
    assert parse_answer(q, "wife", persons=("wife", "son")) == "wife"
    with pytest.raises(AnswerError) as info:
        parse_answer(q, "wfe", persons=("wife", "son"))
    assert info.value.message == "'wfe' is not a person in the inventory (did you mean 'wife'?); choose from: wife, son"


def test_a_label_already_used_is_refused():
    with pytest.raises(AnswerError) as info:
        parse_answer(question("id", "persons"), "sister", persons=("sister",))
    assert info.value.message == "'sister' is already in the inventory; make labels unique, e.g. 'older sister'"


@pytest.mark.parametrize("path,section,answer,warning", [
    ("id", "persons", "john", "'john' does not look like a role label"),
    ("title", None, "Low mood after her husband John left", "looks like a personal name"),
    ("title", None, "Seen on 12/03/2024", "looks like a calendar date; write time relative to onset"),
    ("title", None, "Call back on 020 7946 0958", "looks like a phone number"),
    ("title", None, "Lives at 12 Baker Street", "looks like an address"),
])
def test_identifying_answers_are_warned_about(path, section, answer, warning):
    assert warning in privacy_concern(question(path, section), answer)


def test_role_labels_and_relative_times_raise_no_warning():
    assert privacy_concern(question("id", "persons"), "older sister") is None
    assert privacy_concern(question("title", None), "Low mood 3 months after the move") is None


# -- the conversation ---------------------------------------------------------

EPISODE_OF_A_MIGRANT = ["migrant-dispute", "", "major depressive episode", "moderate", "first", "4", "adult", "no",
                        "yes"]
SAFETY_CLEAR = ["none", "no", "no", "no", "none", "no", "none", "no"]
HUSBAND = ["husband", "", "inner", "yes", "overt", "3 months before", "no", "impasse", "no", "no", "no", "no"]
MIGRATION = ["migration", "5 months before", "", "yes", "yes", "yes", "", ""]      # no person: no conflict
SOCIAL = ["1", "6", "since onset"]
NO_SUBSTANCES = ["none"]


def test_full_interview_of_a_two_area_case_formulates_to_the_expected_focus(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    answers = (EPISODE_OF_A_MIGRANT + SAFETY_CLEAR
               + ["add"] + HUSBAND + ["done"]
               + ["add"] + MIGRATION + ["done"]
               + SOCIAL + NO_SUBSTANCES
               + ["case.yaml"])
    io = ScriptedIo(answers)
    saved = Interview(io, kb).run()
    assert saved == "case.yaml" and not io.answers
    case = load_case("case.yaml")
    assert case.data["persons"][0]["relationship"] == "partner"      # 'husband' said it
    assert case.data["events"][0]["months_before_onset"] == 5
    focus = formulate(case, kb).focus
    assert sorted(focus) == ["role_dispute", "role_transition"]      # a two-area focus, as the inventory says
    assert "Saved case.yaml. Formulate it with: ipt-expert formulate case.yaml" in io.said()
    assert "Ranking so far:" in io.said()


def test_a_stop_answer_is_said_at_once(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    io = ScriptedIo(EPISODE_OF_A_MIGRANT + ["plan_or_intent", CTRL_C, "n"])
    Interview(io, kb).run()
    kinds = [(kind, text) for kind, text in io.transcript]
    stop = next(i for i, (kind, text) in enumerate(kinds) if kind == "say" and text.startswith("STOP:"))
    asked_ideation = kinds.index(("ask", "safety.suicidal_ideation"))
    asked_next = kinds.index(("ask", "safety.recent_suicide_attempt"))
    assert asked_ideation < stop < asked_next


def test_a_person_can_be_corrected_and_removed(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sister = ["sister", "", "middle", "yes", "none", "no", "yes", "no"]
    friend = ["friend", "", "outer", "yes", "none", "no", "no", "no"]
    corrected = ["", "", "inner", "", "", "", "", ""]          # Enter keeps; closeness becomes inner
    answers = (EPISODE_OF_A_MIGRANT + SAFETY_CLEAR
               + ["add"] + sister + ["add"] + friend + ["correct", "1."] + corrected + ["remove", "2."] + ["done"]
               + ["done"] + SOCIAL + NO_SUBSTANCES + ["case.yaml"])
    io = ScriptedIo(answers)
    Interview(io, kb).run()
    persons = load_case("case.yaml").data["persons"]
    assert persons == [{"id": "sister", "relationship": "sibling", "closeness": "inner", "alive": True,
                        "conflict": "none", "abusive": False, "can_confide": True, "matters_most": False}]
    assert "removed: friend (friend, outer)" in io.said()


def test_ctrl_c_saves_a_draft_that_resumes(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    io = ScriptedIo(EPISODE_OF_A_MIGRANT + ["none", "no", CTRL_C, "y", ""])
    Interview(io, kb).run()
    draft = tmp_path / "migrant-dispute-draft.yaml"
    assert draft.read_text().startswith("# ipt-expert interview draft; sections done: episode\n")
    assert "Draft saved to migrant-dispute-draft.yaml" in io.said()
    data, done = read_draft(str(draft))
    assert done == ("episode",) and data["safety"] == {"suicidal_ideation": "none", "recent_suicide_attempt": False}

    # Resumed: the episode is not asked again, nor the two safety answers given.
    rest = SAFETY_CLEAR[2:] + ["done", "done"] + SOCIAL + NO_SUBSTANCES + ["case.yaml"]
    io = ScriptedIo(rest)
    Interview(io, kb, data=data, done=done).run()
    asked = [text for kind, text in io.transcript if kind == "ask"]
    assert asked[0] == "safety.homicidal_ideation"
    assert "episode.onset_months_ago" not in asked
    case = load_case("case.yaml")
    assert case.data["episode"]["onset_months_ago"] == 4


def test_an_existing_file_is_never_replaced_without_asking(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "case.yaml").write_text("keep me\n")
    answers = (EPISODE_OF_A_MIGRANT + SAFETY_CLEAR + ["done", "done"] + SOCIAL
               + NO_SUBSTANCES + ["case.yaml", "n", "other.yaml"])
    io = ScriptedIo(answers)
    assert Interview(io, kb).run() == "other.yaml"
    assert (tmp_path / "case.yaml").read_text() == "keep me\n"
    assert ("confirm", "case.yaml exists. Replace it?") in io.transcript
    assert yaml.safe_load((tmp_path / "other.yaml").read_text())["id"] == "migrant-dispute"


def test_a_perinatal_patient_is_asked_about_thoughts_of_harming_the_baby(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    perinatal = EPISODE_OF_A_MIGRANT[:7] + ["yes", "no"]
    io = ScriptedIo(perinatal + SAFETY_CLEAR + ["yes", CTRL_C, "n"])
    Interview(io, kb).run()
    asked = [text for kind, text in io.transcript if kind == "ask"]
    assert asked[-1] == "safety.thoughts_of_harming_baby"          # the last question of the screen
    stop = next(text for kind, text in io.transcript if kind == "say" and text.startswith("STOP:"))
    assert "baby" in stop


def test_a_patient_who_is_not_perinatal_is_not_asked_about_the_baby(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    io = ScriptedIo(EPISODE_OF_A_MIGRANT + SAFETY_CLEAR + [CTRL_C, "n"])
    Interview(io, kb).run()
    assert "safety.thoughts_of_harming_baby" not in [text for kind, text in io.transcript if kind == "ask"]
    # nor offered it as a follow-up question once the screen is done
    shown = [text for kind, text in io.transcript if kind == "say"]
    assert any(text.startswith("Questions that would most change this") for text in shown)
    assert not any("baby" in text for text in shown)


# -- times counted from today (issue 20.1) ---------------------------------------

@pytest.mark.parametrize("path,section,answer,onset,value", [
    ("conflict_months_before_onset", "persons", "7 months ago", 5, 2),
    ("months_before_onset", "events", "3 years ago", 5, 31),
    ("months_before_onset", "events", "2 months ago", 5, -3),         # after onset, where the field allows it
    ("months_before_onset", "events", "5 months ago", 5, 0),
    ("months_before_onset", "events", "3 months before", 5, 3),       # relative to onset: the onset plays no part
])
def test_a_time_ago_counts_from_today_through_the_onset(path, section, answer, onset, value):
    assert parse_answer(question(path, section), answer, onset=onset) == value


@pytest.mark.parametrize("onset", [None, "unknown"])
def test_a_time_ago_without_a_known_onset_is_refused_with_a_hint(onset):
    with pytest.raises(AnswerError) as info:
        parse_answer(question("months_before_onset", "events"), "7 months ago", onset=onset)
    assert info.value.message == ("'7 months ago' counts from today, and the onset is not known yet; answer "
                                  "relative to onset (e.g. '3 months before', '2 after'), or give the onset first")


def test_a_time_ago_after_onset_is_refused_where_the_field_takes_no_after():
    assert read_time("7 months ago", 5, allow_after=False) == 2
    with pytest.raises(AnswerError) as info:
        read_time("2 months ago", 5, allow_after=False)
    assert info.value.message == ("'2 months ago' is 3 months after the onset (5 months ago); this time must "
                                  "come before the onset")


def test_the_onset_itself_is_counted_from_today():
    assert parse_answer(question("episode.onset_months_ago"), "5 months ago") == 5
    assert parse_answer(question("episode.onset_months_ago"), "2 years ago") == 24


@pytest.mark.parametrize("answer,value,note", [
    ("7 months ago", 2, "stored as 2 months before onset"),
    ("2 months ago", -3, "stored as 3 months after onset"),
    ("5 months ago", 0, "stored as at onset (0)"),
])
def test_a_time_ago_is_said_back_as_stored(answer, value, note):
    data = {"episode": {"onset_months_ago": 5}, "patient": {"age_group": "adult"}}
    assert answer_notes(question("months_before_onset", "events"), answer, value, data) == [note]


def test_a_time_relative_to_onset_needs_no_note():
    data = {"episode": {"onset_months_ago": 5}, "patient": {"age_group": "adult"}}
    assert answer_notes(question("months_before_onset", "events"), "3 months before", 3, data) == []


EPISODE_ONSET_5 = EPISODE_OF_A_MIGRANT[:5] + ["5"] + EPISODE_OF_A_MIGRANT[6:]


def test_an_interview_stores_a_conflict_begun_7_months_ago_as_2_before_onset(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    husband = HUSBAND[:5] + ["7 months ago"] + HUSBAND[6:]
    answers = (EPISODE_ONSET_5 + SAFETY_CLEAR + ["add"] + husband + ["done", "done"]
               + SOCIAL + NO_SUBSTANCES + ["case.yaml"])
    io = ScriptedIo(answers)
    assert Interview(io, kb).run() == "case.yaml"
    assert load_case("case.yaml").data["persons"][0]["conflict_months_before_onset"] == 2
    assert "  stored as 2 months before onset" in io.said().splitlines()


# -- times beyond the patient's life (issue 20.2) -----------------------------------

def test_a_time_beyond_the_age_groups_span_is_warned_about_and_kept(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    husband = HUSBAND[:5] + ["999 months before"] + HUSBAND[6:]
    answers = (EPISODE_OF_A_MIGRANT + SAFETY_CLEAR + ["add"] + husband + ["done", "done"]
               + SOCIAL + NO_SUBSTANCES + ["case.yaml"])
    io = ScriptedIo(answers)
    assert Interview(io, kb).run() == "case.yaml"
    assert load_case("case.yaml").data["persons"][0]["conflict_months_before_onset"] == 999    # kept
    warning = implausible_months(999, "adult", "the conflict's start")
    assert f"  Warning: {warning}" in io.said().splitlines()


def test_a_plausible_time_raises_no_warning():
    data = {"episode": {"onset_months_ago": 5}, "patient": {"age_group": "adult"}}
    assert answer_notes(question("months_before_onset", "events"), "40 years before", 480, data) == []
    child = {"patient": {"age_group": "child"}}
    assert answer_notes(question("months_before_onset", "events"), "20 years before", 240, child) != []


# -- "matters most" of life events too (issue 20.3) -----------------------------------

@pytest.mark.parametrize("kind", ["death", "move", "migration", "recovery", "job_loss"])
def test_matters_most_is_asked_of_the_life_events_a_rule_reads_it_of(kind):
    assert applies(question("matters_most", "events"), {"kind": kind})


def test_the_interview_asks_what_matters_most_of_a_life_event(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    migration = MIGRATION[:-1] + ["yes"]                            # after guilt: what matters most
    answers = (EPISODE_OF_A_MIGRANT + SAFETY_CLEAR + ["done", "add"] + migration + ["done"]
               + SOCIAL + NO_SUBSTANCES + ["case.yaml"])
    io = ScriptedIo(answers)
    assert Interview(io, kb).run() == "case.yaml"
    assert load_case("case.yaml").data["events"][0]["matters_most"] is True


# -- everyday kin words (issue 20.4) --------------------------------------------------

@pytest.mark.parametrize("label", ["dad", "hubby", "mum", "my dad", "nan", "other half"])
def test_everyday_kin_words_are_not_taken_for_names(label):
    assert privacy_concern(question("id", "persons"), label) is None


def test_a_kin_word_names_the_person_it_stands_for():
    q = question("person", "events")
    assert parse_answer(q, "dad", persons=("father", "wife")) == "father"
    assert parse_answer(q, "hubby", persons=("husband",)) == "husband"
    assert answer_notes(q, "dad", "father", {}) == ["read as 'father', a person of the inventory"]
    assert answer_notes(q, "father", "father", {}) == []


def test_a_dad_in_the_inventory_can_be_the_person_of_a_death(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dad = ["dad", "", "inner", "no", "none", "no", "no", "yes"]
    death = ["death", "4 months before", "dad", "yes", "yes", "chronic", "no", "no", "yes", "no", "yes"]
    answers = (EPISODE_OF_A_MIGRANT + SAFETY_CLEAR + ["add"] + dad + ["done", "add"] + death + ["done"]
               + SOCIAL + NO_SUBSTANCES + ["case.yaml"])
    io = ScriptedIo(answers)
    assert Interview(io, kb).run() == "case.yaml"
    data = load_case("case.yaml").data
    assert data["persons"][0]["relationship"] == "parent"          # 'dad' said it
    assert data["events"][0]["person"] == "dad"
    assert not any(kind == "confirm" and "role label" in text for kind, text in io.transcript)


# -- questions that fit the answers given (issue 20.6) --------------------------------

def test_a_dead_persons_questions_are_asked_in_the_past_tense():
    confide, abusive = question("can_confide", "persons"), question("abusive", "persons")
    assert wording(confide, {"alive": True}) == confide.text
    assert wording(confide, {"alive": False}) == "Could the patient confide in this person?"
    assert wording(abusive, {"alive": False}) == \
        "Was this person violent, abusive or coercively controlling towards the patient?"


def test_unresolved_conflict_is_asked_only_of_an_event_with_a_person():
    unresolved = question("unresolved_conflict", "events")
    assert not applies(unresolved, {"kind": "move"})
    assert applies(unresolved, {"kind": "death", "person": "mother"})


@pytest.mark.parametrize("answer", ["moved within the country", "within the country", "internal move"])
def test_a_move_within_the_country_is_not_migration(answer):
    assert parse_answer(question("patient.migrant"), answer) is False


def test_yes_no_questions_read_everyday_words():
    assert parse_answer(question("alive", "persons"), "deceased") is False


def test_a_severity_typed_into_the_diagnosis_is_offered_and_not_repeated(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    episode = EPISODE_OF_A_MIGRANT[:2] + ["moderate depressive episode", ""] + EPISODE_OF_A_MIGRANT[4:]
    answers = (episode + SAFETY_CLEAR + ["done", "done"] + SOCIAL + NO_SUBSTANCES + ["case.yaml"])
    io = ScriptedIo(answers)
    assert Interview(io, kb).run() == "case.yaml"
    case = load_case("case.yaml")
    assert case.data["episode"]["severity"] == "moderate"            # offered from the diagnosis, kept with Enter
    first = draft_formulation(case.data, [], [], kb.policy)[0]
    assert first.startswith("Diagnosis: moderate depressive episode. Give")


def test_the_interview_asks_of_a_dead_parent_in_the_past_tense(kb, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    father = ["father", "", "inner", "no", "none", "no", "no"]
    io = ScriptedIo(EPISODE_OF_A_MIGRANT + SAFETY_CLEAR + ["add"] + father + [CTRL_C, "n"])
    Interview(io, kb).run()
    assert io.texts[-3:] == ["Was this person violent, abusive or coercively controlling towards the patient?",
                             "Could the patient confide in this person?",
                             "Does the patient name this relationship as what matters most?"]


@pytest.mark.parametrize("answer", ["9" * 400, "9" * 400 + " years ago", "9" * 400 + " weeks ago",
                                    "9999999 months before"])
def test_a_time_no_life_can_hold_is_refused(answer):
    with pytest.raises(AnswerError, match="is not a time a case can hold"):
        read_time(answer, 5)


@pytest.mark.parametrize("onset", [float("nan"), float("inf"), 10 ** 400, -1])
def test_an_onset_no_life_can_hold_gives_no_time_ago(onset):
    with pytest.raises(AnswerError, match="the onset is not known yet"):
        read_time("7 months ago", onset)
