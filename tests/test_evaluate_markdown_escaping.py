"""`evaluate -f markdown` escapes every cell and every value (issue point 5), as the other Markdown outputs do."""
from __future__ import annotations

import shutil

import pytest
from conftest import VIGNETTES

# A vignette id the schema allows whose underscores open and close emphasis in Markdown.
EMPHASIS_ID = "x-_loud_-y"
# A case without a key is listed as skipped by its file name, which can hold anything a file name can.
HOSTILE_FILE = "<img src=x onerror=alert(1)>|*b*|[l](x).yaml"


@pytest.fixture(scope="module")
def markdown(tmp_path_factory):
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.training.evaluation import evaluate_directory, render_evaluation

    folder = tmp_path_factory.mktemp("hostile-library")
    grief = (VIGNETTES / "grief-01-widower-early.yaml").read_text(encoding="utf-8")
    (folder / "emphasis.yaml").write_text(grief.replace("id: grief-01-widower-early\n", f"id: {EMPHASIS_ID}\n")
                                          .replace("  primary: grief\n", "  primary: role_dispute\n")
                                          .replace("  focus: [grief]\n", "  focus: [role_dispute]\n"),
                                          encoding="utf-8")
    shutil.copy(VIGNETTES / "transition-01-divorce-not-grief.yaml", folder / "agrees.yaml")
    unkeyed = grief.split("answer_key:")[0].replace("id: grief-01-widower-early\n", "id: unkeyed\n")
    (folder / HOSTILE_FILE).write_text(unkeyed, encoding="utf-8")
    evaluation = evaluate_directory(str(folder), str(shipped_rules_dir()), "strict", 1)
    assert evaluation.skipped and EMPHASIS_ID in set(evaluation.table["vignette"])
    return render_evaluation(evaluation, "markdown")


def test_vignette_ids_are_escaped_in_every_list_and_table(markdown):
    assert "_loud_" not in markdown.replace("\\_loud\\_", "")
    assert "- x-\\_loud\\_-y: first area" in markdown                       # the disagreements
    assert "| * | x-\\_loud\\_-y |" in markdown                              # the per-vignette table


def test_skipped_file_names_cannot_add_html_links_or_cells(markdown):
    skipped = next(line for line in markdown.splitlines() if line.startswith("Skipped (no answer_key): "))
    assert "<img" not in markdown
    assert "&lt;img src=x onerror=alert(1)&gt;\\|\\*b\\*\\|\\[l](x).yaml" in skipped


def test_rule_coverage_names_are_escaped(markdown):
    # Rule ids have underscores inside words, which Markdown leaves alone; the vignettes listed after them
    # are escaped like everywhere else.
    coverage = markdown.split("## Rule coverage")[1]
    assert "x-\\_loud\\_-y" in coverage and "x-_loud_-y" not in coverage
