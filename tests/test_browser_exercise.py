"""The class pack and the cohort dashboard in a real browser (issue 12), with the report tests' tools.

The student sheet and the instructor key show a typed title as text and run
nothing; the student sheet prints with each vignette from the top of a page
of its own. The dashboard, graded from a sheet whose trainee names and
rationales hold markup, shows them as text, fetches nothing, draws its four
charts, and never scrolls sideways (wide tables scroll inside their box).
Skipped with test_browser's reason where there is no Chromium.
"""
from __future__ import annotations

import pytest
import test_browser as shared

DESKTOP, PHONE, HOSTILE, inspect = shared.DESKTOP, shared.PHONE, shared.HOSTILE, shared.inspect
browser = shared.browser            # the fixtures, shared: one browser for both files' tests
open_page = shared.open_page


CLASS = ("grief-01-widower-early", "transition-01-divorce-not-grief", "two-area-02-death-and-sister-dispute",
         "safety-09-abusive-partner")


def test_class_pack_in_chromium(run_cli, open_page, tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (pip install '.[test]')")
    pack = tmp_path / "pack"
    result = run_cli("exercise", "build", *CLASS, "-o", str(pack), "--title", HOSTILE)
    assert result.code == 0, result.err
    for name in ("student-sheet.html", "instructor-key.html"):
        page = open_page(pack / name, DESKTOP)
        checked = inspect(page)
        assert page.problems == []
        assert checked["pwned"] is None and checked["scripts"] == 0 and checked["injected"] == 0
        assert HOSTILE in checked["text"]                      # the typed title shows as text
        assert checked["scrollWidth"] <= checked["width"]
        page.page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    student = open_page(pack / "student-sheet.html", DESKTOP)
    assert "so grief is the focus" not in inspect(student)["text"]
    pdf = tmp_path / "student-sheet.pdf"
    student.page.pdf(path=str(pdf), format="A4", print_background=True)
    pages = pypdf.PdfReader(str(pdf)).pages
    # the instructions on the first page, then each vignette from the top of a page of its own
    assert len(pages) >= len(CLASS) + 1
    starts = [i for i, p in enumerate(pages) for n, v in enumerate(CLASS, 1) if f"Vignette {v}" in p.extract_text()]
    assert len(starts) == len(CLASS) and len(set(starts)) == len(CLASS)


def test_cohort_dashboard_in_chromium(run_cli, open_page, tmp_path):
    import csv
    import io
    rows = [["trainee", "vignette", "primary", "secondary", "rationale"]]
    answers = ("grief", "role_transition", "grief", "role_dispute")
    for number in range(12):
        name = HOSTILE if number == 0 else f"Trainee {number:02d}"
        for vignette_id, area in zip(CLASS, answers, strict=True):
            chosen = area if number % 3 else "interpersonal_deficits"
            rows.append([name, vignette_id, chosen, "", f"=cmd {HOSTILE}"])
    rows.append(["", CLASS[0], "grief", "", "no name"])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    sheet = tmp_path / "answers.csv"
    sheet.write_text(text.getvalue(), encoding="utf-8")
    out = tmp_path / "results"
    result = run_cli("exercise", "grade", str(sheet), "-o", str(out))
    assert result.code == 6, result.err
    desktop = open_page(out / "index.html", DESKTOP)
    checked = inspect(desktop)
    assert desktop.problems == []
    assert checked["pwned"] is None and checked["scripts"] == 0 and checked["injected"] == 0
    assert HOSTILE in checked["text"] and "Rows not graded" in checked["text"]
    assert checked["scrollWidth"] <= checked["width"]
    assert len(checked["pictures"]) == 4                     # scores, vignettes, confusion, traps
    for picture in checked["pictures"]:
        assert picture["shapes"] >= 8 and picture["drawnWidth"] > 50 and picture["drawnHeight"] > 20, picture
        assert picture["title"] and len(picture["desc"]) > 30, picture
    desktop.page.screenshot(path=str(tmp_path / "dashboard-1024px.png"), full_page=True)
    phone = open_page(out / "index.html", PHONE)
    assert phone.problems == []
    assert inspect(phone)["scrollWidth"] <= PHONE["width"]   # wide tables scroll inside their box
    phone.page.screenshot(path=str(tmp_path / "dashboard-375px.png"), full_page=True)
