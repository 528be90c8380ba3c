"""Issue 10: every problem of a case at once, vignette ids, --redact, whatif --set, no network, no stray files."""
from __future__ import annotations

import json
import os
import socket

import pytest
from conftest import VIGNETTES

BROKEN = """\
id: broken
episode: {onset_months_ago: 3, severity: moderat}
persons:
  - {id: wife, closeness: innr, alive: false}
  - {id: son, relationship: child, conflict: loud}
events:
  - {kind: death, person: wife, months_before_onset: 2}
  - {kind: job_los, person: brother}
social: {isolation: lifelong, close_relationships_now: -1}
"""


@pytest.fixture
def broken(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    return path


def test_validate_lists_every_problem_with_line_field_value_and_nearest_value(run_cli, broken):
    result = run_cli("validate", str(broken))
    assert result.code == 3
    lines = result.out.splitlines()
    assert lines[-1] == "1 file checked: 6 problems in 1 file"
    problems = lines[:-1]
    assert len(problems) == 6
    expected = [
        (2, "episode.severity", "'moderat' is not allowed (did you mean 'moderate'?)"),
        (4, "persons[0].closeness", "'innr' is not allowed (did you mean 'inner'?)"),
        (5, "persons[1].conflict", "'loud' is not allowed"),
        (8, "events[1].kind", "'job_los' is not allowed (did you mean 'job_loss'?)"),
        (9, "social.close_relationships_now", "-1 is not allowed"),
        (8, "events[1].person", "'brother' is not a person in the inventory"),
    ]
    for line, field, words in expected:
        assert any(p.startswith(f"{broken}:{line}: {field}: {words}") for p in problems), (line, field, problems)
    # what is allowed is said too
    assert any("expected one of: mild, moderate, severe, unknown" in p for p in problems)


def test_every_command_that_reads_a_case_reports_every_problem(run_cli, broken):
    result = run_cli("formulate", str(broken))
    assert result.code == 3
    errors = [line for line in result.err.splitlines() if line.startswith("ipt-expert: error:")]
    assert len(errors) == 6
    assert result.err.splitlines()[-1] == "ipt-expert: 6 problems"
    assert result.out == ""


def test_validate_json_and_valid_files(run_cli, broken):
    good = str(VIGNETTES / "grief-01-widower-early.yaml")
    result = run_cli("validate", good, "two-area-02-death-and-sister-dispute", str(broken), "--format", "json")
    assert result.code == 3
    report = json.loads(result.out)
    assert [f["valid"] for f in report["files"]] == [True, True, False]
    assert report["problems"] == 6
    assert run_cli("validate", good).code == 0


def test_a_vignette_id_works_wherever_a_case_is_expected(run_cli):
    by_id = run_cli("formulate", "grief-01-widower-early", "--format", "json")
    by_path = run_cli("formulate", str(VIGNETTES / "grief-01-widower-early.yaml"), "--format", "json")
    assert by_id.code == 0 and by_id.out == by_path.out
    for command in (["explain"], ["whatif"], ["validate"]):
        assert run_cli(*command, "grief-01-widower-early").code == 0, command
    unknown = run_cli("formulate", "grief-01-widower-erly")
    assert unknown.code == 3 and "did you mean 'grief-01-widower-early'" in unknown.err


SECRET_TITLE = "Mr Jonas Brandt, seen 12 March 2024"


@pytest.fixture
def identifying(tmp_path):
    import yaml
    data = yaml.safe_load((VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8"))
    data["title"] = SECRET_TITLE
    data["notes"] = "Lives at 12 Elm Street; phone 0123 456789"
    data["persons"][0]["notes"] = "Wife Greta died at St Mary's"
    data["events"][0]["notes"] = "Funeral on 3 April"
    path = tmp_path / "identifying.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "json"])
def test_redact_removes_free_text_from_every_report_format(run_cli, identifying, fmt):
    plain = run_cli("formulate", str(identifying), "--format", fmt)
    assert plain.code == 0 and "Jonas" in plain.out     # the title is shown when not redacted
    redacted = run_cli("formulate", str(identifying), "--format", fmt, "--redact")
    assert redacted.code == 0, redacted.err
    for secret in ("Jonas", "Brandt", "March", "Elm Street", "0123", "Greta", "St Mary", "April", "J…",
                   "Retired carpenter", "narrative"):
        assert secret not in redacted.out, (fmt, secret)
    # the formulation itself is unchanged: rules never read free text
    assert "Grief" in redacted.out


def test_redact_in_explain_and_whatif(run_cli, identifying):
    for command in (["explain"], ["whatif"], ["whatif", "--set", "persons[wife].closeness=middle"]):
        result = run_cli(*command, str(identifying), "--redact")
        assert result.code == 0, result.err
        assert "Jonas" not in result.out and "Greta" not in result.out


def test_whatif_set_shows_the_changed_formulation_and_leaves_the_file(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    original = (VIGNETTES / "two-area-02-death-and-sister-dispute.yaml").read_text(encoding="utf-8")
    case.write_text(original, encoding="utf-8")
    result = run_cli("whatif", str(case), "--set", "events[mother-death].months_before_onset=unknown")
    assert result.code == 0, result.err
    assert "top area Grief -> Role dispute" in result.out
    assert "FOCUS: Role dispute" in result.out
    assert case.read_text(encoding="utf-8") == original
    data = json.loads(run_cli("whatif", str(case), "--format", "json", "--set",
                              "events[mother-death].months_before_onset=unknown").out)
    assert data["after"]["top"] == "role_dispute" and data["formulation"]["focus"][0] == "role_dispute"
    bad = run_cli("whatif", str(case), "--set", "persons[mothr].closeness=inner")
    assert bad.code == 2 and "did you mean 'persons[mother]'" in bad.err


def _no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("ipt-expert tried to open a network connection")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("args", [
    ["formulate", "two-area-02-death-and-sister-dispute", "--format", "html"],
    ["explain", "two-area-02-death-and-sister-dispute"],
    ["whatif", "two-area-02-death-and-sister-dispute"],
    ["validate", "two-area-02-death-and-sister-dispute"],
    ["check", "grief-01-widower-early", "--answer", "grief"],
    ["evaluate", str(VIGNETTES), "--jobs", "1"],
])
def test_no_command_opens_a_network_connection(run_cli, monkeypatch, args):
    _no_network(monkeypatch)
    result = run_cli(*args)
    assert result.code == 0, result.err
    assert "network" not in result.err


def test_commands_write_nothing_they_were_not_asked_to(run_cli, monkeypatch, tmp_path):
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("IPT_EXPERT_CACHE_DIR", raising=False)      # the user's own cache folder, as installed
    monkeypatch.chdir(work)
    from ipt_expert.knowledge import rulebase
    rulebase._load_cached.cache_clear()                              # so that this process reads the rules again
    for args in (["formulate", "grief-01-widower-early"], ["explain", "grief-01-widower-early"],
                 ["whatif", "grief-01-widower-early", "--set", "persons[wife].closeness=middle"],
                 ["validate", "grief-01-widower-early"], ["formulate", "grief-01-widower-early", "-o", "r.md"]):
        assert run_cli(*args).code == 0, args
    rulebase._load_cached.cache_clear()
    assert os.listdir(work) == ["r.md"]
    # The one file written unasked: the checked rule base, in the user's cache folder, rules only.
    written = sorted(str(p.relative_to(home)) for p in home.rglob("*") if p.is_file())
    assert len(written) == 1 and written[0].startswith(".cache/ipt-expert/rulebases/") and written[0].endswith(".json")
    assert "widower" not in (home / written[0]).read_text(encoding="utf-8")


def test_whatif_set_quotes_the_whole_key_when_a_label_holds_a_dot(run_cli):
    bad = run_cli("whatif", "grief-01-widower-early", "--set", "persons[../x]=1")
    assert bad.code == 2
    assert "'persons[../x]' is not a field of a record of this case" in bad.err
    assert "'persons[.'" not in bad.err
    fine = run_cli("whatif", "grief-01-widower-early", "--set", "episode.severity=mild")
    assert fine.code == 0, fine.err
