"""The vignette library as trainees see it (issue 12 point 1): no inventory, no key; shell completion."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import VIGNETTES


def test_list_shows_id_difficulty_setting_title_and_filters(run_cli):
    result = run_cli("vignettes", "list", "--area", "grief")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[-1].endswith("vignettes")
    grief01 = next(line for line in lines if line.startswith("grief-01-widower-early "))
    assert grief01.split()[1] == "intermediate"          # one trap (withdrawal_as_deficits)
    assert "late life" in grief01 and "wife's sudden death" in grief01
    assert not any(line.startswith("transition-01") for line in lines)
    # a two-area key lists the vignette under its second area too
    assert any(line.startswith("two-area-02-death-and-sister-dispute") for line in
               run_cli("vignettes", "list", "--area", "role_dispute").out.splitlines())


def test_list_by_tag_and_unknown_tag_says_which_exist(run_cli):
    result = run_cli("vignettes", "list", "--tag", "late-life")
    assert result.code == 0 and "grief-01-widower-early" in result.out and "dispute-01" not in result.out
    bad = run_cli("vignettes", "list", "--tag", "latelife")
    assert bad.code == 3
    assert "no vignette has the tag 'latelife' (did you mean 'late-life'?)" in bad.err


def test_show_gives_the_narrative_and_never_the_key_or_inventory(run_cli):
    result = run_cli("vignettes", "show", "transition-01-divorce-not-grief")
    assert result.code == 0
    assert "Setting: adult. Difficulty:" in result.out
    for secret in ("answer_key", "primary", "role_transition", "non_death_loss_as_grief", "months_before_onset",
                   "closeness", "rationale", "Guide 2018"):
        assert secret not in result.out
    data = json.loads(run_cli("vignettes", "show", "transition-01-divorce-not-grief", "-f", "json").out)
    assert set(data) == {"id", "title", "setting", "difficulty", "narrative"}


def test_show_takes_ids_only_never_a_path(run_cli, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_text((VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    relative = os.path.relpath(outside.with_suffix(""), VIGNETTES)
    result = run_cli("vignettes", "show", relative)
    assert result.code == 3
    assert f"no vignette '{relative}' in the library" in result.err
    assert "wife" not in result.out


def test_show_unknown_id_suggests_the_closest(run_cli):
    result = run_cli("vignettes", "show", "grief-01-widower")
    assert result.code == 3 and "(did you mean 'grief-01-widower-early'?)" in result.err


def test_terminal_output_neutralises_control_characters(run_cli, tmp_path):
    import yaml
    data = yaml.safe_load((VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8"))
    data["narrative"] = "A \x1b[2J retired carpenter"
    (tmp_path / "v.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    result = run_cli("vignettes", "show", "v", "--vignettes", str(tmp_path))
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "A \\x1b[2J retired carpenter" in result.out


def _complete(*words):
    env = dict(os.environ, _IPT_EXPERT_COMPLETE="bash_complete", COMP_WORDS=" ".join(("ipt-expert",) + words),
               COMP_CWORD=str(len(words)))
    code = "import sys; from ipt_expert.cli.main import main; sys.argv[0] = 'ipt-expert'; main()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    return [line.split(",", 1)[1] for line in done.stdout.splitlines()]


def test_shell_completion_of_vignette_ids_rule_ids_areas_and_tags():
    assert "grief-01-widower-early" in _complete("vignettes", "show", "grief-0")
    assert all(v.startswith("grief-0") for v in _complete("vignettes", "show", "grief-0"))
    assert "grief-01-widower-early" in _complete("check", "grief-0")
    assert "grief_death_near_onset" in _complete("rules", "show", "grief_de")
    assert _complete("check", "x", "--answer", "grief,role_d") == ["grief,role_dispute"]
    assert _complete("vignettes", "list", "--tag", "two") == ["two-area"]
    assert "interpersonal_deficits" in _complete("vignettes", "list", "--area", "")
