"""A class exercise end to end in Chromium, on a real `ipt-expert serve` (issue: the classroom, item 6).

The educator opens the start line's URL, creates an exercise from the
library; three trainees in three browser contexts join and answer every
vignette on the pages (one with markup for a name and a rationale); the
dashboard shows their scores, and the class's Fleiss' kappa and Gwet's AC1
equal `exercise grade`'s on the exported answers CSV.  No page logs an error
(a Content-Security-Policy violation included), and the markup stays text.
Skipped with test_browser's reason where there is no Chromium.
"""
from __future__ import annotations

import csv
import io
import re

import pytest
import test_browser as shared
from classroom_helpers import HOSTILE, VIGNETTES
from serve_helpers import running_serve

pytest.importorskip("ipt_expert.web.app", reason="ipt_expert.web (the browser app and `serve`) is not in this tree")
browser = shared.browser
START_LINE = re.compile(r"(http://127\.0\.0\.1:\d+)/\?token=([A-Za-z0-9_\-]+)")
CHOICES = {"Annabel Quist": ("grief", "role_transition", "grief"),
           "Zyxwv " + HOSTILE[:90]: ("interpersonal_deficits", "role_transition", "grief"),
           "Cyrilla Moor": ("grief", "grief", "role_dispute")}


@pytest.fixture
def server(tmp_path):
    """`ipt-expert serve` on 127.0.0.1 and a free port, a SQLite file in tmp_path; (base URL, token)."""
    with running_serve(tmp_path, START_LINE) as match:
        yield match.group(1), match.group(2), match.group(0)


class Watched:
    """A new browser context and page; console errors and page errors recorded."""

    def __init__(self, browser, viewport=None):
        self.problems: list = []
        self.context = browser.new_context(viewport=viewport or shared.DESKTOP)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))

    def _console(self, message) -> None:
        where = (message.location or {}).get("url", "")
        if message.type == "error" and not where.endswith("/favicon.ico"):   # the browser asks for it unbidden
            self.problems.append(f"console: {message.text} ({where})")

    def pwned(self):
        return self.page.evaluate("() => window.__pwned || null")


def test_a_class_exercise_end_to_end(server, browser, run_cli, tmp_path):
    import httpx

    base, token, start_url = server
    educator = Watched(browser)
    page = educator.page
    page.goto(start_url)                    # the start line's URL leads to the classroom, or lets us in
    if page.locator("#new-exercise").count() == 0:
        page.goto(f"{base}/classroom")
    assert page.locator("#new-exercise").count() == 1, page.content()[:500]
    page.fill("input[name=title]", "Week 3 " + HOSTILE)
    for vignette in VIGNETTES:
        page.check(f"input[name=vignettes][value='{vignette}']")
    page.click("#new-exercise button[type=submit]")
    page.wait_for_selector("#join-code")
    code = page.inner_text("#join-code").strip()
    join_url = page.get_attribute("#join-url", "href")
    assert join_url.endswith(f"/join/{code}") and page.locator(".qr svg").count() == 1
    exercise_url = page.url
    assert educator.pwned() is None

    trainees = []
    for name, choices in CHOICES.items():
        trainee = Watched(browser, shared.PHONE)
        trainees.append(trainee)
        t = trainee.page
        t.goto(join_url)
        t.fill("input[name=trainee]", name)
        t.click("#join")
        for number, area in enumerate(choices, start=1):
            t.wait_for_selector("#answer-form")
            assert f"vignette {number} of {len(VIGNETTES)}" in t.inner_text(".meta")
            t.select_option("select[name=primary]", area)
            t.check("input[name=safety_first][value=no]")
            t.fill("textarea[name=rationale]", f"{HOSTILE} the onset followed the loss")
            t.click("#send")
            t.wait_for_selector("#saved")
            assert "Your answer is saved" in t.inner_text("#saved")
            assert t.locator("#feedback").count() == 1 and "agreement" in t.inner_text("#feedback")
            if number == 1:                         # once: the same vignette again replaces, and says so
                t.select_option("select[name=primary]", area)
                t.click("#send")
                t.wait_for_selector("#saved")
                assert "replaces your earlier answer" in t.inner_text("#saved")
            t.click("#next")
        t.wait_for_load_state()
        assert len(t.locator("section.answer").all()) == len(VIGNETTES)
        assert trainee.pwned() is None and trainee.problems == [], trainee.problems

    # the educator's page, with the class's scores and agreement
    page.goto(exercise_url)
    rows = page.locator("#trainees tbody tr").all()
    assert len(rows) == 3
    headers = {"Authorization": f"Bearer {token}"}
    exercise_id = exercise_url.rstrip("/").rsplit("/", 1)[-1]
    exported = httpx.get(f"{base}/api/exercises/{exercise_id}/answers.csv", headers=headers, timeout=60).text
    sheet = tmp_path / "answers.csv"
    sheet.write_text(exported, encoding="utf-8")
    out = tmp_path / "graded"
    result = run_cli("exercise", "grade", str(sheet), "-o", str(out))
    assert result.code == 0, result.err
    graded = {r["trainee"]: r for r in csv.DictReader(io.StringIO((out / "tables" / "trainees.csv")
                                                                  .read_text(encoding="utf-8")))}
    shown = {row.locator("td").nth(1).inner_text(): row.locator("td.percent").inner_text() for row in rows}
    assert len(graded) == 3
    for name, percent in shown.items():
        expected = graded.get(name) or graded["'" + name]
        assert float(percent) == float(expected["percent"]), (name, percent, expected)
    [agreement] = list(csv.DictReader(io.StringIO((out / "tables" / "agreement.csv").read_text(encoding="utf-8"))))
    assert page.inner_text(".fleiss") == f"{float(agreement['fleiss_kappa']):.2f}"
    assert page.inner_text(".ac1") == f"{float(agreement['gwet_ac1']):.2f}"
    assert educator.pwned() is None and "Zyxwv " + HOSTILE[:40] in page.inner_text("main")

    # the live dashboard and the projector view: exercise grade's page, names as text or numbers
    page.goto(f"{exercise_url}/dashboard")
    assert "Zyxwv " + HOSTILE[:40] in page.inner_text("body") and educator.pwned() is None
    assert page.locator("svg.picture").count() >= 3
    page.goto(f"{exercise_url}/dashboard?anonymous=1")
    text = page.inner_text("body")
    assert "Trainee 1" in text and not any(name in text for name in ("Annabel", "Zyxwv", "Cyrilla"))
    assert f"{float(agreement['fleiss_kappa']):.2f}" in text
    page.wait_for_timeout(500)
    assert educator.problems == [], educator.problems
    for watched in (educator, *trainees):
        watched.context.close()
