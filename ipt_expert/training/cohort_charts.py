"""Charts of the cohort dashboard: the report pictures' module (pictures.py), plus a histogram.

Everything drawn is escaped there; each picture says in its <title> and
<desc> what it shows, and every value is written as text beside its mark.
"""
from __future__ import annotations

from ipt_expert.reports.pictures import bar_chart, heat_map

__all__ = ["bar_chart", "heat_map", "histogram"]


def histogram(values: list, *, bins: int = 10, low: float = 0.0, high: float = 100.0, title: str, desc: str,
              ident: str, unit: str = "%") -> str:
    """Counts of ``values`` in equal bins from ``low`` to ``high`` (the top one closed), as a bar chart."""
    step = (high - low) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int((v - low) / step)))] += 1
    labels = [f"{low + i * step:g}-{low + (i + 1) * step:g}{unit}" for i in range(bins)]
    return bar_chart(labels, {"trainees": counts}, title=title, desc=desc, ident=ident,
                     max_value=max(counts + [1]), value_format="{}")
