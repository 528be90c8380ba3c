"""Shared files cannot run code: rule packs, templates and case text are data."""
from __future__ import annotations

import json
import re
import shutil

from conftest import REPO
from ipt_expert.resources import shipped_rules_dir

CASE = "id: hostile\nepisode: {onset_months_ago: 3}\n"


def test_no_eval_exec_or_unsafe_yaml_in_the_package():
    for path in (REPO / "ipt_expert").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\beval\(|\bexec\(|yaml\.load\(|yaml\.unsafe_load|yaml\.Loader\b|pickle", text), path


def test_yaml_python_tag_runs_nothing(run_cli, tmp_path):
    marker = tmp_path / "pwned"
    case = tmp_path / "case.yaml"
    case.write_text(f"id: !!python/object/apply:os.system ['touch {marker}']\nepisode: {{onset_months_ago: 3}}\n",
                    encoding="utf-8")
    result = run_cli("formulate", str(case))
    assert result.code == 3 and "is not allowed: data files cannot build program objects" in result.err
    assert not marker.exists()


def test_rule_pack_with_python_tag_runs_nothing(run_cli, tmp_path):
    marker = tmp_path / "pwned"
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    text = (rules / "grief.yaml").read_text(encoding="utf-8")
    (rules / "grief.yaml").write_text(text.replace(
        "title: A death within six months of onset",
        f"title: !!python/object/apply:subprocess.call [['touch', '{marker}']]"), encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    result = run_cli("formulate", str(case), "--rules", str(rules))
    assert result.code == 4
    assert not marker.exists()


def test_hostile_report_template_is_stopped(run_cli, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "formulation.txt.j2").write_text(
        "{{ ''.__class__.__mro__[1].__subclasses__() }}\n", encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    result = run_cli("formulate", str(case), "--templates", str(templates))
    assert result.code == 4
    assert result.err.startswith("ipt-expert: error: formulation.txt.j2: template uses an undefined value:") or \
        result.err.startswith("ipt-expert: error: formulation.txt.j2: template tried something unsafe")
    assert "__subclasses__" not in result.out


def test_template_reaching_for_globals_is_stopped(run_cli, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "formulation.txt.j2").write_text(
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}\n", encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    result = run_cli("formulate", str(case), "--templates", str(templates))
    assert result.code == 4
    assert "uid=" not in result.out


def test_case_text_is_never_rendered_as_a_template(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text(
        "id: injection\n"
        "title: \"{{ 7*7 }} {% for x in range(3) %}x{% endfor %} <script>alert(1)</script>\"\n"
        "episode: {onset_months_ago: 3, diagnosis: \"{{ ''.__class__ }}\"}\n"
        "persons: [{id: mother, alive: false}]\n"
        "events: [{kind: death, person: mother, months_before_onset: 2, id: death-of-mother}]\n"
        "safety: {suicidal_ideation: none, recent_suicide_attempt: false, homicidal_ideation: false,\n"
        "         psychotic_symptoms: false, mania: none}\n",
        encoding="utf-8")
    for fmt in ("text", "markdown", "json"):
        result = run_cli("formulate", str(case), "-f", fmt)
        assert result.code == 0, result.err
        assert "{{ 7*7 }}" in result.out and "49" not in result.out
    html = run_cli("formulate", str(case), "-f", "html").out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    statement = run_cli("formulate", str(case), "-f", "text").out
    assert "{{ &#39;&#39;.__class__ }}" not in statement and "{{ ''.__class__ }}" in statement


def test_rule_sentences_only_read_fields(run_cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    text = (rules / "grief.yaml").read_text(encoding="utf-8")
    hostile = "{{ event.kind | human }}{{ event['__class__'] }}"
    (rules / "grief.yaml").write_text(text.replace(
        "The patient avoids reminders of {{ event.person | the_person }}", hostile), encoding="utf-8")
    result = run_cli("rules", "lint", str(rules))
    assert result.code == 4
    assert "event has no field '__class__'" in result.out


def test_json_output_is_data(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text('id: q\ntitle: "\\" , \\"injected\\": true"\nepisode: {onset_months_ago: 3}\n', encoding="utf-8")
    report = json.loads(run_cli("formulate", str(case), "-f", "json").out)
    assert report["title"] == '" , "injected": true' and "injected" not in report
