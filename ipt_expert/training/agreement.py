"""Agreement statistics for a class: each trainee against the key, and the class among itself.

Computed with statsmodels (``statsmodels.stats.inter_rater``):

* Cohen's kappa of each trainee against the key, with its asymptotic 95%
  confidence interval (``cohens_kappa``);
* Fleiss' kappa across the class for a set of vignettes (``fleiss_kappa``;
  statsmodels gives no interval for it, so none is shown).

Gwet's AC1 is in no library that installs beside this project's others (the
one Python port, irrCAC, pins scipy 1.12 and pandas < 3, which do not install
on Python 3.13), so it is computed here following Gwet's own R package irrCAC
(``gwet.ac1.raw``: the coefficient, its variance and a t-based 95% interval),
and checked against the values Gwet publishes for his example data set.

The category each trainee gives a vignette is the first area of the answer.
"""
from __future__ import annotations

import math
import warnings

CONFIDENCE = 0.95


def _number(value):
    """A float for JSON and tables; None for 'not defined' (NaN, infinite)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else round(value, 4)


def cohen_against_key(chosen: list, keyed: list, categories) -> dict:
    """Percent agreement and Cohen's kappa (with CI) of one trainee's first areas against the key's."""
    import numpy as np
    from statsmodels.stats.inter_rater import cohens_kappa

    n = len(chosen)
    agree = sum(a == b for a, b in zip(chosen, keyed, strict=True))
    result = {"answers": n, "percent_agreement": _number(100.0 * agree / n) if n else None,
              "cohen_kappa": None, "kappa_ci_low": None, "kappa_ci_high": None}
    if n < 2:
        return result
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(categories), len(categories)))
    for key, mine in zip(keyed, chosen, strict=True):
        table[index[key], index[mine]] += 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = cohens_kappa(table, return_results=True)
    kappa = _number(res.kappa)
    result["cohen_kappa"] = kappa
    if kappa is not None:
        result["kappa_ci_low"] = _number(max(-1.0, res.kappa_low))
        result["kappa_ci_high"] = _number(min(1.0, res.kappa_upp))
    return result


def fleiss(ratings: list, categories) -> dict:
    """Fleiss' kappa (statsmodels) over subjects x raters with no missing rating."""
    import numpy as np
    from statsmodels.stats.inter_rater import fleiss_kappa

    if len(ratings) < 2 or not ratings or len(ratings[0]) < 2:
        return {"fleiss_kappa": None}
    index = {c: i for i, c in enumerate(categories)}
    table = np.zeros((len(ratings), len(categories)))
    for i, row in enumerate(ratings):
        for value in row:
            table[i, index[value]] += 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return {"fleiss_kappa": _number(fleiss_kappa(table, method="fleiss"))}


def gwet_ac1(ratings: list, categories, confidence: float = CONFIDENCE) -> dict:
    """Gwet's AC1 over subjects x raters (None for a missing rating), with a 95% CI (Gwet 2014; irrCAC)."""
    import numpy as np
    from scipy import stats

    index = {c: i for i, c in enumerate(categories)}
    q = len(categories)
    counts = np.zeros((len(ratings), q))
    for i, row in enumerate(ratings):
        for value in row:
            if value is not None:
                counts[i, index[value]] += 1
    counts = counts[counts.sum(axis=1) > 0]          # subjects nobody rated
    n = counts.shape[0]
    empty = {"gwet_ac1": None, "ac1_ci_low": None, "ac1_ci_high": None, "percent_agreement": None}
    if n < 2 or q < 2:
        return empty
    r_i = counts.sum(axis=1)
    two_or_more = r_i >= 2
    if not two_or_more.any():
        return empty
    agreeing = (counts * (counts - 1)).sum(axis=1)
    pa = float((agreeing[two_or_more] / (r_i * (r_i - 1))[two_or_more]).sum() / two_or_more.sum())
    pi = (counts / r_i[:, None]).mean(axis=0)
    pe = float((pi * (1 - pi)).sum() / (q - 1))
    if pe >= 1:
        return {**empty, "percent_agreement": _number(100 * pa)}
    ac1 = (pa - pe) / (1 - pe)
    # variance, as gwet.ac1.raw in Gwet's irrCAC (finite population correction f = 0)
    den = r_i * (r_i - 1)
    den = np.where(den == 0, -1, den)
    pa_i = agreeing / den
    ac1_i = (n / two_or_more.sum()) * (pa_i - pe * two_or_more) / (1 - pe)
    pe_i = (counts @ (1 - pi)) / r_i / (q - 1)
    ac1_i_x = ac1_i - 2 * (1 - ac1) * (pe_i - pe) / (1 - pe)
    variance = float(((ac1_i_x - ac1) ** 2).sum() / (n * (n - 1)))
    spread = math.sqrt(variance) * stats.t.ppf(1 - (1 - confidence) / 2, n - 1)
    return {"gwet_ac1": _number(ac1), "ac1_ci_low": _number(max(-1.0, ac1 - spread)),
            "ac1_ci_high": _number(min(1.0, ac1 + spread)), "percent_agreement": _number(100 * pa)}


def vignette_sets(rosters: dict) -> list:
    """Group vignettes answered by (mostly) the same trainees: one set per exercise handed out.

    ``rosters`` maps a vignette to the set of trainees who answered it; two
    vignettes are in one set when their rosters overlap by at least half
    (Jaccard), so a missing or malformed row does not split a set.
    """
    parent = {v: v for v in rosters}

    def root(v):
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    names = sorted(rosters)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            union = rosters[a] | rosters[b]
            if union and len(rosters[a] & rosters[b]) / len(union) >= 0.5:
                parent[root(b)] = root(a)
    groups: dict = {}
    for v in names:
        groups.setdefault(root(v), []).append(v)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def class_agreement(first_areas: dict, categories) -> list:
    """Per vignette set: Fleiss' kappa over the trainees who answered every vignette of the set, and
    Gwet's AC1 (with CI) over every answer given.  ``first_areas`` maps (trainee, vignette) to an area."""
    rosters: dict = {}
    for trainee, vignette in first_areas:
        rosters.setdefault(vignette, set()).add(trainee)
    out = []
    for number, vignettes in enumerate(vignette_sets(rosters), start=1):
        trainees = sorted(set().union(*(rosters[v] for v in vignettes)))
        complete = [t for t in trainees if all((t, v) in first_areas for v in vignettes)]
        full = [[first_areas[(t, v)] for t in complete] for v in vignettes]
        partial = [[first_areas.get((t, v)) for t in trainees] for v in vignettes]
        out.append({"set": number, "vignettes": len(vignettes), "trainees": len(trainees),
                    "trainees_complete": len(complete), **fleiss(full, categories),
                    **gwet_ac1(partial, categories), "vignette_ids": vignettes})
    return out
