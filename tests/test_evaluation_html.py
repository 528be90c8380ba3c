"""evaluate --format html: misses first, linked to each vignette's report on the same page; pictures drawn."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import VIGNETTES
from helpers import vignettes_with_misses


@pytest.fixture
def page(run_cli, tmp_path):
    folder = vignettes_with_misses(tmp_path / "vignettes", VIGNETTES)
    target = tmp_path / "eval.html"
    result = run_cli("evaluate", str(folder), "-j", "1", "-o", str(target))
    assert result.code == 0, result.err
    return target.read_text(encoding="utf-8")


def test_the_suffix_chooses_html_and_the_page_is_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_misses_come_first_safety_first_each_linked_to_its_report(page):
    misses = page[page.index('id="misses"'):page.index('id="summary"')]
    assert page.index('id="misses"') < page.index('id="summary"') < page.index('id="confusion"')
    links = re.findall(r'<a href="#(v-[^"]+)">', misses)
    assert links == ["v-flag-missed-mania", "v-wrong-key-job-loss"]
    assert "safety flag missed: active_suicidal_ideation" in misses
    assert "first area Role transition, the key says Grief" in misses
    assert "grief-01-widower-early" not in misses
    for anchor in links + ["v-grief-01-widower-early"]:
        assert page.count(f'id="{anchor}"') == 1
    # each vignette's report is there, with its own pictures and ids that do not clash
    assert page.count('id="v-wrong-key-job-loss-score-chart"') == 1
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_the_confusion_matrix_is_a_heat_map_with_the_counts(page):
    start = page.index('<svg class="picture" id="confusion-heat-map"')
    svg = ET.fromstring(page[start:page.index("</svg>", start) + 6])
    cells = [r for r in svg.iter("rect") if r.get("stroke") == "#c9d0d6"]
    assert len(cells) == 16
    counts = [t.text for t in svg.iter("text") if t.text and t.text.isdigit()]
    assert sorted(map(int, counts)) == [0] * 13 + [1, 1, 1]
    assert "key Grief, engine Role transition: 1" in svg.find("desc").text


def test_per_area_precision_and_recall_are_drawn_and_tabled(page):
    section = page[page.index('id="per-area"'):page.index('id="vignettes"')]
    assert '<svg class="picture" id="per-area-chart"' in section
    assert "<td>Grief</td><td class=\"num\">1.00</td><td class=\"num\">0.50</td>" in section
    assert "<td>Role transition</td><td class=\"num\">0.00</td><td class=\"num\">n/a</td>" in section
