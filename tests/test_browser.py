"""The HTML reports in a real browser: headless Chromium, driven by Playwright with the system browser.

Renders a one-area, a two-area, a safety and a no-focus report and the
evaluate page, and fails on any console error, page error or request (the
pages must need nothing from anywhere), on a picture with nothing drawn, on
anything wider than a 375-px screen, on markup or template syntax from a case
file that does anything but show as text, and on a one-area case that prints
on more than two A4 pages. Screenshots go to the test's temporary folder.

Where no Chromium (or Playwright) is available the tests are skipped with the
reason; .ci/run installs Debian's chromium so that CI runs them.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import VIGNETTES
from helpers import vignettes_with_misses

CHROMIUM = os.environ.get("IPT_EXPERT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("no Chromium on this machine (apt-get install chromium, or set IPT_EXPERT_CHROMIUM); "
                "the browser tests need a real browser", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install '.[test]')")

# The flags the machine notes ask for: root needs --no-sandbox; nothing may reach the network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1024, "height": 900}
# Markup and template syntax, typed into every free-text field of a case file.
HOSTILE = ('<script>window.__pwned=1</script><img src="x.png" onerror="window.__pwned=2"><b>bold</b>'
           '{{ 7*7 }}{% raw %}&amp;')
FREE_TEXT = ("title", "notes", "narrative", "episode.diagnosis", "persons[].notes", "events[].notes",
             "answer_key.rationale", "answer_key.source")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


class Page:
    """One page opened in a fresh context, recording every console error, page error and request."""

    def __init__(self, browser, path: Path, viewport: dict):
        self.problems: list = []
        self.context = browser.new_context(viewport=viewport)   # a new, empty profile each time
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url}"))
        self.page.route("**/*", self._only_the_page)
        self.url = path.as_uri()
        self.page.goto(self.url, wait_until="load")

    def _only_the_page(self, route):
        if route.request.url != self.url:
            self.problems.append(f"request: {route.request.url}")
            route.abort()
        else:
            route.continue_()

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(path: Path, viewport: dict = PHONE) -> Page:
        pages.append(Page(browser, path, viewport))
        return pages[-1]
    yield opener
    for page in pages:
        page.close()


def set_path(data: dict, dotted: str, value: str) -> None:
    head, _, rest = dotted.partition(".")
    if head.endswith("[]"):
        for item in data.get(head[:-2], []):
            set_path(item, rest, value) if rest else None
    elif rest:
        if head in data:               # a section the case has (a plain case has no answer_key)
            set_path(data[head], rest, value)
    else:
        data[head] = value


def hostile(data: dict) -> dict:
    data = copy.deepcopy(data)
    for dotted in FREE_TEXT:
        set_path(data, dotted, HOSTILE)
    return data


def write_report(run_cli, tmp_path: Path, name: str, data: dict) -> Path:
    case = tmp_path / f"{name}.yaml"
    case.write_text(yaml.safe_dump(data), encoding="utf-8")
    target = tmp_path / f"{name}.html"
    result = run_cli("formulate", str(case), "-o", str(target))
    assert result.code == 0, result.err
    return target


def vignette(name: str) -> dict:
    return yaml.safe_load((VIGNETTES / f"{name}.yaml").read_text(encoding="utf-8"))


NO_FOCUS = {"id": "no-focus-yet", "episode": {"onset_months_ago": 3, "diagnosis": "major depressive disorder"},
            "persons": [{"id": "mother's partner", "closeness": "middle"}]}
REPORTS = {
    "one-area": lambda: vignette("grief-01-widower-early"),
    "two-area": lambda: vignette("two-area-02-death-and-sister-dispute"),
    "safety": lambda: vignette("safety-01-active-si-plan"),
    "no-focus": lambda: copy.deepcopy(NO_FOCUS),
}

CHECKS = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 0.5 || box.left < -0.5)) wide.push(el.tagName + (el.id ? '#' + el.id : ''));
  }
  // a picture drawn in two layouts shows one of them; the hidden one is left out
  const pictures = [...document.querySelectorAll('svg.picture')].filter(svg => svg.checkVisibility()).map(svg => {
    const box = svg.getBoundingClientRect(), drawn = svg.getBBox();
    return {id: svg.id, shapes: svg.querySelectorAll('rect, circle, line, path, text').length,
            width: box.width, height: box.height, drawnWidth: drawn.width, drawnHeight: drawn.height,
            title: (svg.querySelector('title') || {}).textContent || '',
            desc: (svg.querySelector('desc') || {}).textContent || ''};
  });
  return {scrollWidth: document.documentElement.scrollWidth, width, wide, pictures,
          pwned: window.__pwned === undefined ? null : window.__pwned,
          scripts: document.querySelectorAll('script').length,
          splitWeights: [...document.querySelectorAll('.w')].filter(w =>
            w.getBoundingClientRect().height > 1.5 * parseFloat(getComputedStyle(w).lineHeight)).length,
          injected: document.querySelectorAll('img, b, iframe, object, embed').length,
          text: document.body.innerText};
}"""


def inspect(page: Page) -> dict:
    return page.page.evaluate(CHECKS)


def assert_sound(result: dict, page: Page, pictures: int) -> None:
    assert page.problems == []
    assert result["pwned"] is None and result["scripts"] == 0 and result["injected"] == 0
    assert result["scrollWidth"] <= result["width"] == 375, result["wide"][:10]
    assert result["wide"] == [], result["wide"][:20]
    assert result["splitWeights"] == 0          # an evidence weight (+0.60) never wraps onto two lines
    assert len(result["pictures"]) == pictures
    for picture in result["pictures"]:
        assert picture["shapes"] >= 8, picture
        assert picture["width"] > 100 and picture["height"] > 50, picture
        assert picture["drawnWidth"] > 50 and picture["drawnHeight"] > 20, picture
        assert picture["title"] and len(picture["desc"]) > 30, picture


@pytest.mark.parametrize("kind", sorted(REPORTS))
def test_report_in_chromium(run_cli, open_page, tmp_path, kind):
    data = hostile(REPORTS[kind]())
    report = write_report(run_cli, tmp_path, kind, data)
    phone = open_page(report, PHONE)
    result = inspect(phone)
    assert_sound(result, phone, pictures=3)
    # typed markup and template syntax show as the same text, never run
    assert HOSTILE in result["text"]
    if data.get("episode", {}).get("diagnosis") and kind != "safety":
        assert f"Diagnosis: {HOSTILE}" in result["text"] or "No focus can be suggested yet" in result["text"]
    phone.page.screenshot(path=str(tmp_path / f"{kind}-375px.png"), full_page=True)
    desktop = open_page(report, DESKTOP)
    desktop.page.screenshot(path=str(tmp_path / f"{kind}-1024px.png"), full_page=True)
    assert desktop.problems == []
    assert (tmp_path / f"{kind}-375px.png").stat().st_size > 10_000


def test_what_each_report_shows(run_cli, open_page, tmp_path):
    seen = {}
    for kind, build in REPORTS.items():
        page = open_page(write_report(run_cli, tmp_path, kind, build()), DESKTOP)
        seen[kind] = {p["id"]: p["desc"] for p in inspect(page)["pictures"]}
    assert "Grief: belief 0.89, disbelief 0.00, score 0.89, in the focus." in seen["one-area"]["score-chart"]
    assert "Inner circle: daughter; wife (died, the evidence points here)." in seen["one-area"]["closeness-circle"]
    assert "The death of the wife: 2 months before onset; evidence for Grief." in seen["one-area"]["timeline"]
    assert "Role dispute: belief 0.76, disbelief 0.00, score 0.76, in the focus." in seen["two-area"]["score-chart"]
    assert "younger sister (overt conflict, the evidence points here)" in seen["two-area"]["closeness-circle"]
    assert "in the focus" in seen["safety"]["score-chart"]
    assert "in the focus" not in seen["no-focus"]["score-chart"]
    assert "No life events in the inventory." in seen["no-focus"]["timeline"]
    assert "Middle circle: mother's partner." in seen["no-focus"]["closeness-circle"]


def test_safety_comes_first_and_keeps_its_colours_in_print(run_cli, open_page, tmp_path):
    page = open_page(write_report(run_cli, tmp_path, "safety", REPORTS["safety"]()), DESKTOP)
    page.page.emulate_media(media="print")
    style = page.page.evaluate("""() => {
      const safety = getComputedStyle(document.querySelector('#safety'));
      const item = getComputedStyle(document.querySelector('ul.evidence li'));
      const first = document.querySelector('section');
      return {adjust: safety.printColorAdjust || safety.webkitPrintColorAdjust, background: safety.backgroundColor,
              breakInside: item.breakInside, first: first.id};
    }""")
    assert style == {"adjust": "exact", "background": "rgb(253, 236, 234)", "breakInside": "avoid",
                     "first": "safety"}


# One-area cases with the most to print: notes, a warn flag, a stop flag with four questions, two disputes.
@pytest.mark.parametrize("name", ["grief-01-widower-early", "grief-02-stillbirth",
                                  "safety-12-incomplete-screen-brother-death",
                                  "dispute-07-husband-and-business-partner"])
def test_a_one_area_case_prints_on_two_a4_pages(run_cli, open_page, tmp_path, name):
    pypdf = pytest.importorskip("pypdf", reason="pypdf is not installed (pip install '.[test]')")
    data = vignette(name)
    page = open_page(write_report(run_cli, tmp_path, name, data), DESKTOP)
    assert len(json.loads(page.page.evaluate("JSON.stringify([...document.querySelectorAll('#focus strong')]"
                                             ".map(e => e.textContent))"))) == 1
    pdf = tmp_path / f"{name}.pdf"
    page.page.pdf(path=str(pdf), format="A4", print_background=True, prefer_css_page_size=True)
    pages = len(pypdf.PdfReader(str(pdf)).pages)
    print(f"{name} prints on {pages} A4 pages")
    assert pages <= 2


def test_evaluate_page_in_chromium(run_cli, open_page, tmp_path):
    folder = vignettes_with_misses(tmp_path / "vignettes", VIGNETTES)
    sly = hostile(vignette("two-area-01-dispute-after-migration"))
    sly["id"] = "typed-markup"
    (folder / "typed-markup.yaml").write_text(yaml.safe_dump(sly), encoding="utf-8")
    target = tmp_path / "evaluation.html"
    result = run_cli("evaluate", str(folder), "-j", "1", "-o", str(target))
    assert result.code == 0, result.err
    page = open_page(target, PHONE)
    checked = inspect(page)
    # two pictures of the evaluation, then three per vignette report
    assert_sound(checked, page, pictures=2 + 3 * 4)
    assert HOSTILE in checked["text"]
    page.page.screenshot(path=str(tmp_path / "evaluation-375px.png"))
    # the first miss links to its vignette's report on the same page
    first = page.page.locator("#misses li a").first
    assert first.inner_text() == "flag-missed-mania"
    first.click()
    assert page.page.evaluate("location.hash") == "#v-flag-missed-mania"
    assert page.page.evaluate("document.querySelector('#v-flag-missed-mania').getBoundingClientRect().top") < 5
    desktop = open_page(target, DESKTOP)
    desktop.page.screenshot(path=str(tmp_path / "evaluation-1024px.png"))
    assert desktop.problems == []


# The text of the report's three pictures as the browser draws it: the font size times the picture's scale on the
# screen, the text's box against the picture's, whether it was shortened with an ellipsis. Hidden pictures (a
# layout for another width) are left out: only what shows is measured.
PICTURE_TEXT = """() => [...document.querySelectorAll('svg.picture')].filter(svg => svg.checkVisibility()).map(svg => {
  const frame = svg.getBoundingClientRect();
  return {id: svg.id, texts: [...svg.querySelectorAll('text')].map(t => {
    const box = t.getBoundingClientRect();
    return {text: t.textContent, px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
            inside: box.left >= frame.left - 0.5 && box.right <= frame.right + 0.5 && box.top >= frame.top - 0.5
                    && box.bottom <= frame.bottom + 0.5};
  })};
})"""
PICTURE_CASES = ["two-area-02-death-and-sister-dispute", "two-area-05-too-many-areas",
                 "dispute-07-husband-and-business-partner"]


@pytest.mark.parametrize("name", PICTURE_CASES)
def test_picture_text_reads_on_a_phone_and_is_not_cut_on_a_wide_screen(run_cli, open_page, tmp_path, name):
    report = write_report(run_cli, tmp_path, name, vignette(name))
    phone = open_page(report, PHONE)
    shown = phone.page.evaluate(PICTURE_TEXT)
    phone.page.screenshot(path=str(tmp_path / f"{name}-375px.png"), full_page=True)
    assert len(shown) == 3 and phone.problems == []
    sizes = sorted((round(t["px"], 1), p["id"], t["text"]) for p in shown for t in p["texts"])
    print(f"{name}: smallest picture text at 375 px: {sizes[0]}")
    assert sizes[0][0] >= 11, sizes[:8]                       # nothing under 11 px on a 375-px phone
    assert [(p["id"], t["text"]) for p in shown for t in p["texts"] if not t["inside"]] == []
    phone.page.emulate_media(media="print")                   # on paper, the wide layout, whatever the screen
    assert [p["id"] for p in phone.page.evaluate(PICTURE_TEXT)] == ["score-chart", "closeness-circle", "timeline"]
    wide = open_page(report, {"width": 1280, "height": 900})
    shown = wide.page.evaluate(PICTURE_TEXT)
    assert len(shown) == 3 and wide.problems == []
    assert [(p["id"], t["text"]) for p in shown for t in p["texts"] if not t["inside"]] == []   # none runs off
    timeline = next(p for p in shown if p["id"] == "timeline")
    cut = [t["text"] for t in timeline["texts"] if "\u2026" in t["text"]]
    assert cut == []                                          # a wide screen has room for every label in full
    assert not [t["text"] for t in timeline["texts"] if "_" in t["text"]]    # windows in words, not rule ids
