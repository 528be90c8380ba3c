"""A class pack: the student sheet, the instructor key and an answer template.

The student sheet carries only what a trainee may see (vignette_library's
VignetteCard) and an answer form.  The instructor key adds, per vignette, the
answer key, the engine's ranking and reasoning, the trap the vignette sets,
teaching points and what to read.  The answer template is the CSV that
``exercise grade`` reads.  HTML is self-contained (no scripts, no outside
files) and prints one vignette per page; Markdown is plain CommonMark.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ipt_expert.io.errors import CaseError

TEMPLATE_COLUMNS = ("trainee", "vignette", "primary", "secondary", "safety_first", "rationale")
FORMATS = ("html", "markdown")
SUFFIX = {"html": ".html", "markdown": ".md"}
DEFAULT_TITLE = "IPT case formulation exercise"
MAX_VIGNETTES = 100


@dataclass
class PackVignette:
    card: object                      # VignetteCard: what the trainee sees
    key: dict = field(default_factory=dict)
    ranking: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    traps: list = field(default_factory=list)
    teaching: list = field(default_factory=list)
    read: list = field(default_factory=list)


@dataclass
class Pack:
    title: str
    school: str
    vignettes: list
    areas: list                       # [{id, name}] in the policy's order


def _split_sources(*texts) -> list:
    out = []
    for text in texts:
        out += [part.strip() for part in (text or "").split(";") if part.strip()]
    return list(dict.fromkeys(out))


NO_FOCUS_NAME = "No focus yet"     # what a key or the engine with no focus shows (no area has evidence yet)


def pack_vignette(entry, kb, school: str) -> PackVignette:
    """Everything the instructor key says about one vignette."""
    from ipt_expert.io.constants import NO_FOCUS
    from ipt_expert.reasoning.formulation import formulate

    case = entry.case
    formulation = formulate(case, kb, school)
    policy = kb.policy
    names = {a.id: a.name for a in policy.areas}
    key = case.answer_key
    ranking = [{"rank": c.rank, "area": c.area, "name": c.name, "score": round(c.score, 2),
                "evidence": [{"text": f.text, "rule": f.rule, "weight": f.weight} for f in c.evidence[:4]],
                "against": [{"text": f.text, "rule": f.rule, "weight": f.weight} for f in c.against[:3]]}
               for c in formulation.candidates]
    traps = [{"id": t, "title": policy.traps[t]["title"], "teaching": " ".join(policy.traps[t]["teaching"].split()),
              "read": policy.traps[t]["read"]} for t in key.traps if t in policy.traps]
    teaching = [" ".join(n["text"].split()) for n in formulation.notes]
    evidence_sources = [f.source for area in key.focus for f in formulation.candidate(area).evidence]
    return PackVignette(
        card=entry.card,
        key={"focus": [names[a] for a in key.focus] or [NO_FOCUS_NAME],
             "acceptable": [names[a] for a in key.acceptable],
             "not_first": [names[a] for a in key.not_first], "flags": list(key.flags),
             "rationale": " ".join(key.rationale.split()), "source": key.source,
             # the engine's first area, or 'none' when it suggests no focus (as evaluate counts it)
             "engine_agrees": (formulation.focus[0] if formulation.focus else NO_FOCUS) == key.primary,
             "engine_focus": [names[a] for a in formulation.focus] or [NO_FOCUS_NAME]},
        ranking=ranking,
        flags=[{"id": f["id"], "severity": f["severity"], "text": f["text"]} for f in formulation.flags],
        traps=traps, teaching=teaching,
        read=_split_sources(key.source, *(t["read"] for t in traps), *evidence_sources))


def build_pack(vignette_ids, *, vignette_dir: str | None = None, rules_dir: str | None = None,
               school: str = "strict", title: str | None = None) -> Pack:
    """The pack for these vignettes (by id, in the order given; each once)."""
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.engine import reasoner_for
    from ipt_expert.training.vignette_library import find_entry

    ids = list(dict.fromkeys(vignette_ids))
    if not ids:
        raise CaseError("no vignette given; name one or more vignette ids", source="VIGNETTE")
    if len(ids) > MAX_VIGNETTES:
        raise CaseError(f"more than {MAX_VIGNETTES} vignettes; a pack this size cannot be handed out",
                        source="VIGNETTE")
    entries = [find_entry(i, vignette_dir) for i in ids]
    kb = load_knowledge_base(rules_dir or str(shipped_rules_dir()))
    reasoner_for(kb, whole_network=len(entries) > 1)   # several vignettes: one network for all
    title = " ".join((title or DEFAULT_TITLE).split())[:200] or DEFAULT_TITLE
    return Pack(title=title, school=school, vignettes=[pack_vignette(e, kb, school) for e in entries],
                areas=[{"id": a.id, "name": a.name} for a in kb.policy.areas])


_MD_SPECIAL = set("\\`*_{}[]|!~#")


def md(value) -> str:
    """Text made inert in Markdown: what Markdown or HTML could read as markup is escaped."""
    import re

    out = []
    for char in " ".join(str(value).split()):
        if char in "<>&":
            out.append({"<": "&lt;", ">": "&gt;", "&": "&amp;"}[char])
        elif char in _MD_SPECIAL:
            out.append("\\" + char)
        else:
            out.append(char)
    text = "".join(out)
    # a value that starts a line could start a list or a heading; Markup: already escaped, so the
    # Markdown environment (templating.py) does not escape it again
    from markupsafe import Markup
    return Markup(re.sub(r"^([-+=]|\d+)([.)]?)", lambda m: m.group(1) + ("\\" + m.group(2) if m.group(2) else "")
                  if m.group(1).isdigit() else "\\" + m.group(0), text))


def render_template(name: str, context: dict) -> str:
    """A shipped exercise template, in the sandbox, HTML autoescaped, with the ``md`` filter for Markdown."""
    from ipt_expert.io.resources import shipped_templates_dir
    from ipt_expert.io.templating import make_environment, time_limit

    env = make_environment(template_dirs=[str(shipped_templates_dir())])
    env.filters["md"] = md
    with time_limit():
        return env.get_template(name).render(context)


_render = render_template


def render_pack(pack: Pack, fmt: str = "html") -> dict:
    """{file name: text} of the pack in ``fmt``."""
    from ipt_expert.io.output_folder import csv_text

    if fmt not in FORMATS:
        raise ValueError(f"unknown pack format {fmt!r}")
    suffix = SUFFIX[fmt]
    template_suffix = {"html": "html", "markdown": "md"}[fmt]
    context = {"pack": pack, "columns": TEMPLATE_COLUMNS}
    return {
        f"student-sheet{suffix}": _render(f"exercise-student.{template_suffix}.j2", context),
        f"instructor-key{suffix}": _render(f"exercise-key.{template_suffix}.j2", context),
        "answers-template.csv": csv_text(TEMPLATE_COLUMNS, [("", v.card.id, "", "", "", "")
                                                           for v in pack.vignettes]),
    }


def write_pack(pack: Pack, directory: str, fmt: str = "html", force: bool = False) -> list:
    from ipt_expert.io.output_folder import prepare_folder, write_files

    files = render_pack(pack, fmt)
    return write_files(prepare_folder(directory, force, what="class pack"), files)
