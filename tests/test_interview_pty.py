"""The real `ipt-expert interview`, driven through a pseudo-terminal (pexpect), as a clinician would use it.

These run the installed program in a fresh interpreter with a real terminal:
questionary's prompts, completion and menus, Ctrl-C as a signal, the saved
file read back by the library.
"""
from __future__ import annotations

import os
import sys

import pexpect

from ipt_expert.case.loading import load_case
from ipt_expert.interview.flow import read_draft
from ipt_expert.reasoning.formulation import formulate

# Patterns that match a prompt while it waits for input (once answered, questionary reprints the
# question with the answer, which must not be taken for the next prompt).
ESC = r"(?:\x1b\[[0-9;?]*[A-Za-z])*"           # styling between the words of a prompt
FOLLOW_UPS = rf"follow-up questions now\? {ESC}\(Y/n\)"


class Clinician:
    """Types answers at the interview's prompts; keeps what the screen showed."""

    def __init__(self, cwd, *args):
        env = dict(os.environ, PROMPT_TOOLKIT_NO_CPR="1", TERM="xterm", NO_COLOR="1")
        self.child = pexpect.spawn(sys.executable, ["-m", "ipt_expert", "interview", *args], cwd=str(cwd), env=env,
                                   encoding="utf-8", timeout=60, dimensions=(50, 160))
        self.screen = []
        self.child.logfile_read = self

    # pexpect's logfile protocol
    def write(self, text):
        self.screen.append(text)

    def flush(self):
        pass

    def answer(self, prompt: str, text: str, enter: bool = True) -> None:
        """Wait for a prompt, then type the answer and Enter (follow-up offers are declined on the way)."""
        while True:
            found = self.child.expect([prompt, FOLLOW_UPS])
            if found == 0:
                break
            self.child.send("n\r")
        self.child.send(text + ("\r" if enter else ""))

    def choose(self, prompt: str, shortcut: str) -> None:
        """Pick a menu entry by its shortcut key, then Enter."""
        self.answer(prompt + rf" {ESC}\(Use shortcuts", shortcut)

    def confirm(self, prompt: str, yes: bool) -> None:
        """Answer a yes/no confirmation (a key, then Enter, as at every prompt)."""
        self.answer(prompt + rf"[^\n]*{ESC}\((?:Y/n|y/N)\)", "y" if yes else "n")

    def expect(self, pattern, timeout=-1):
        """Wait for output (follow-up offers are declined on the way)."""
        while self.child.expect([pattern, FOLLOW_UPS], timeout=timeout) == 1:
            self.child.send("n\r")

    def finish(self):
        self.child.expect(pexpect.EOF)
        self.child.close()
        return self.child.exitstatus

    def shown(self) -> str:
        return "".join(self.screen)


EPISODE = [("short id", "pty-case"), ("one-line title", ""), ("Target diagnosis", "major depressive episode"),
           ("Severity of the episode", "moderate"), ("Course: first", "first"), ("months ago did", "4"),
           ("Age group", "adult"), ("Pregnant or within", "no"), ("migrated", "yes")]
SAFETY = [("Suicidal ideation", "none"), ("recent suicide attempt", "no"), ("Homicidal", "no"),
          ("Psychotic", "no"), ("Mania or hypomania", "none"), ("Intoxication", "no"),
          ("Cognitive impairment", "none"), ("Domestic violence", "no")]
MENU = r"what next\?"


def test_a_full_interview_of_a_two_area_case(tmp_path):
    doctor = Clinician(tmp_path, "-o", "case.yaml")
    onset_5 = [(prompt, "5" if prompt == "months ago did" else text) for prompt, text in EPISODE]
    for prompt, text in onset_5 + SAFETY:
        doctor.answer(prompt, text)
    doctor.choose(MENU, "1")                                        # add a person
    for prompt, text in [("Role label", "husband"), ("Relationship", ""), ("Ring of the", "inner"),
                         ("Alive", "yes"), ("Conflict with", "overt"), ("When did the conflict", "7 months ago"),
                         ("expect the same", "no"), ("Stage of the dispute", "impasse"), ("Infidelity", "no"),
                         ("Violent, abusive", "no"), ("confide", "no"), ("matters most", "no")]:
        doctor.answer(prompt, text)
    doctor.choose(MENU, "4")                                        # done (add, correct, remove, done)
    doctor.choose(MENU, "1")                                        # add a life event
    for prompt, text in [("What happened", "emigrated"), ("When, relative", "5 months before"),
                         ("Person involved", ""), ("struggle to come", "yes"), ("still keep the", "yes"),
                         ("a change the patient wanted", "yes"), ("Guilt or anger", ""),
                         ("matters most", "")]:                       # no person: no unresolved conflict
        doctor.answer(prompt, text)
    doctor.choose(MENU, "4")
    for prompt, text in [("close relationships now", "1"), ("before this episode", "6"),
                         ("Isolation:", "since onset"), ("Substance use", "none")]:
        doctor.answer(prompt, text)
    doctor.expect("Saved case.yaml")
    assert doctor.finish() == 0
    case = load_case(str(tmp_path / "case.yaml"))
    # 7 months ago, with the onset 5 months ago, is 2 months before onset (issue 20.1), and is said so
    assert case.data["persons"][0]["conflict_months_before_onset"] == 2
    assert "stored as 2 months before onset" in doctor.shown()
    assert case.data["events"][0]["kind"] == "migration"            # 'emigrated' understood
    assert case.data["persons"][0]["relationship"] == "partner"     # offered from 'husband', kept with Enter
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    focus = formulate(case, load_knowledge_base(shipped_rules_dir())).focus
    assert sorted(focus) == ["role_dispute", "role_transition"]
    assert "Ranking so far:" in doctor.shown()


def test_a_stop_answer_in_the_safety_screen_is_said_at_once(tmp_path):
    doctor = Clinician(tmp_path, "-o", "case.yaml")
    for prompt, text in EPISODE:
        doctor.answer(prompt, text)
    doctor.answer("Suicidal ideation", "plan")                      # everyday word for plan_or_intent
    doctor.expect("STOP: ")
    doctor.expect("recent suicide attempt")                         # said before the next question
    doctor.child.sendcontrol("c")
    doctor.confirm("Save a draft", False)
    doctor.expect("Nothing saved")
    doctor.finish()
    assert not (tmp_path / "case.yaml").exists()


def test_a_correction_a_ctrl_c_draft_and_a_resume(tmp_path):
    doctor = Clinician(tmp_path, "-o", "case.yaml")
    for prompt, text in EPISODE + SAFETY:
        doctor.answer(prompt, text)
    doctor.choose(MENU, "1")
    for prompt, text in [("Role label", "sister"), ("Relationship", ""), ("Ring of the", "middle"),
                         ("Alive", "yes"), ("Conflict with", "none"), ("Violent, abusive", "no"), ("confide", "yes"),
                         ("matters most", "no")]:
        doctor.answer(prompt, text)
    doctor.choose(MENU, "2")                                        # correct a person
    doctor.choose(r"Which person\?", "1")
    for prompt, text in [("Role label", ""), ("Relationship", ""), ("Ring of the", "\x15inner")]:   # ^U clears
        doctor.answer(prompt, text)
    doctor.child.sendcontrol("c")                                   # Ctrl-C in the middle of the correction
    doctor.confirm("Save a draft", True)
    doctor.answer("Save the draft as", "")
    doctor.expect("Draft saved to case-draft.yaml")
    assert doctor.finish() == 0
    draft = (tmp_path / "case-draft.yaml").read_text()
    assert draft.startswith("# ipt-expert interview draft; sections done: episode,safety\n")
    assert "closeness: inner" in draft

    again = Clinician(tmp_path, "--from", "case-draft.yaml", "-o", "case.yaml")
    again.expect("The important persons")                           # the episode and safety are not asked again
    assert "Suicidal ideation" not in again.shown()
    again.choose(MENU, "4")
    again.choose(MENU, "2")                                         # no events: add, done
    for prompt, text in [("close relationships now", "3"), ("before this episode", "3"), ("Isolation:", "none"),
                         ("Substance use", "none")]:
        again.answer(prompt, text)
    again.expect("Saved case.yaml")
    assert again.finish() == 0
    assert load_case(str(tmp_path / "case.yaml")).data["persons"][0]["closeness"] == "inner"


def test_a_yes_then_enter_skips_nothing_and_a_refused_answer_is_not_left_on_the_line(tmp_path):
    doctor = Clinician(tmp_path, "-o", "case.yaml")
    for prompt, text in EPISODE + SAFETY:
        doctor.answer(prompt, text)
    doctor.choose(MENU, "1")
    doctor.answer("Role label", "john")                             # a name: warned about
    doctor.answer(r"Keep this answer\?[^\n]*\((?:Y/n|y/N)\)", "y")   # y, then Enter out of habit (issue 20.5)
    doctor.answer("Relationship", "friend")                         # ... which must not have skipped this
    doctor.answer("Ring of the", "iner")                            # refused (issue 20.6) ...
    doctor.expect("is not one of the choices", timeout=15)
    doctor.answer("Ring of the", "inner")                           # ... and typed again on an empty line
    doctor.expect("Alive", timeout=15)
    doctor.child.sendcontrol("c")
    doctor.confirm("Save a draft", True)
    doctor.answer("Save the draft as", "")
    doctor.expect("Draft saved to case-draft.yaml", timeout=15)
    assert doctor.finish() == 0
    person = read_draft(str(tmp_path / "case-draft.yaml"))[0]["persons"][0]
    assert person == {"id": "john", "relationship": "friend", "closeness": "inner"}


def test_the_interview_needs_a_terminal(run_cli):
    result = run_cli("interview")
    assert result.code == 2
    assert "the interview needs a terminal" in result.err
