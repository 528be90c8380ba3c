"""Shared files cannot run code: rule packs, templates and case text are data."""
from __future__ import annotations

import json
import re
import shutil

from conftest import REPO

from ipt_expert.io.resources import shipped_rules_dir

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


def test_hostile_report_templates_are_stopped(run_cli, tmp_path, template_dir):
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    for body, leak in (("{{ ''.__class__.__mro__[1].__subclasses__() }}", "subclasses"),
                       ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", "uid=")):
        templates = template_dir(body)
        result = run_cli("formulate", str(case), "--templates", str(templates))
        assert result.code == 4
        assert result.err.startswith(f"ipt-expert: error: {templates / 'formulation.txt.j2'}: template ")
        assert leak not in result.out


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
        shown = "{{ 7\\*7 }}" if fmt == "markdown" else "{{ 7*7 }}"   # Markdown escapes the '*' (shown as typed)
        assert shown in result.out and "49" not in result.out
    html = run_cli("formulate", str(case), "-f", "html").out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    statement = run_cli("formulate", str(case), "-f", "text").out
    assert "{{ &#39;&#39;.__class__ }}" not in statement and "{{ ''.__class__ }}" in statement


def test_rule_sentences_only_read_fields(run_cli, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    text = (rules / "grief.yaml").read_text(encoding="utf-8")
    hostile = "{{ event.kind | human }}{{ event['__class__'] }}"
    target = "The patient struggles to come to terms with the death of {{ event.person | the_person }}"
    (rules / "grief.yaml").write_text(text.replace(target, hostile), encoding="utf-8")
    result = run_cli("rules", "lint", str(rules))
    assert result.code == 4
    assert "event has no field '__class__'" in result.out


def test_json_output_is_data(run_cli, tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text('id: q\ntitle: "\\" , \\"injected\\": true"\nepisode: {onset_months_ago: 3}\n', encoding="utf-8")
    report = json.loads(run_cli("formulate", str(case), "-f", "json").out)
    assert report["title"] == '" , "injected": true' and "injected" not in report


def test_template_cannot_build_huge_values_or_loop_for_ever(run_cli, tmp_path, monkeypatch, template_dir):
    import ipt_expert.io.templating as templating
    monkeypatch.setattr(templating, "RENDER_SECONDS", 2)
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    for body, expected in (("{{ 7 ** (10 ** 11) }}", "exponent 100000000000 is larger than 100"),
                           ("{{ 'x' * 10 ** 9 }}", "a '*' would build a value too large"),
                           # writes nothing, so only the time limit can stop it (output is bounded too)
                           ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                            "rendering took longer than 2 s")):
        result = run_cli("formulate", str(case), "--templates", str(template_dir(body)))
        assert result.code == 4, (body, result.err)
        assert expected in result.err, result.err


def test_template_folder_cannot_reach_outside_itself(run_cli, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "leak").symlink_to(secret)
    (templates / "formulation.txt.j2").write_text('{% include "leak" %}', encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    result = run_cli("formulate", str(case), "--templates", str(templates))
    assert result.code == 4
    assert "TOP SECRET" not in result.out + result.err
    assert "leads outside the template folder" in result.err


def test_output_never_replaces_special_files_or_links(run_cli, tmp_path):
    import os
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run_cli("formulate", str(case), "-o", str(fifo), "--force")
    assert (result.code, result.err) == (5, f"ipt-expert: error: {fifo}: is not an ordinary file (a device or a "
                                            "pipe?); it will not be replaced\n")
    link = tmp_path / "dangling.json"
    link.symlink_to(tmp_path / "nowhere.json")
    result = run_cli("formulate", str(case), "-o", str(link), "--force")
    assert (result.code, result.err) == (5, f"ipt-expert: error: {link}: is a symbolic link; give the path of an "
                                            "ordinary file\n")
    assert not (tmp_path / "nowhere.json").exists()


def test_reports_get_ordinary_permissions(run_cli, tmp_path):
    import os
    case = tmp_path / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    old = os.umask(0o022)
    try:
        assert run_cli("formulate", str(case), "-o", str(tmp_path / "r.txt")).code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "r.txt").stat().st_mode & 0o777 == 0o644
