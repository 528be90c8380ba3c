"""The vignette library as a trainee sees it: what to read, never the answer.

A vignette file holds the narrative beside the coded inventory and the answer
key.  Handing the file out gives the answer away, so everything a trainee is
shown goes through :class:`VignetteCard`, which carries only the id, the
title, the setting, the difficulty and the narrative.  The key stays in
:class:`LibraryEntry` for the educator's filters and the instructor key.

Setting and difficulty are derived from the vignette, so every vignette has
them without its author writing them:

* setting: the patient group (adolescent, adult, late life), and perinatal,
  migrant or substance use when the case says so;
* difficulty: one point per trap the key says the vignette sets, one for a
  two-area focus, one for a safety flag, one for an acceptable alternative
  first area; 0 is introductory, 1 intermediate, 2 or more advanced.

Vignettes are named by id only (the file name without its suffix), looked up
in a listing of the library folder: an id is never joined into a path, so no
id can lead outside the library.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from ipt_expert.io.errors import CaseError, did_you_mean

SUFFIXES = (".yaml", ".yml", ".json")
DIFFICULTIES = ("introductory", "intermediate", "advanced")
AGE_GROUPS = {"child": "child", "adolescent": "adolescent", "adult": "adult", "late_life": "late life"}


@dataclass(frozen=True)
class VignetteCard:
    """What a trainee may see of a vignette."""

    id: str
    title: str
    setting: str
    difficulty: str
    narrative: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class LibraryEntry:
    """A vignette with what the educator filters on (the key's areas, tags) and its loaded case."""

    card: VignetteCard
    path: str
    areas: tuple              # the key's focus, first area first
    tags: tuple
    case: object = field(repr=False, compare=False, default=None)


def vignette_files(directory: str) -> dict:
    """id -> file of every vignette in ``directory`` (a listing: ids never become paths)."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise CaseError(f"cannot list the vignette library: {exc.strerror or exc}", source=str(directory)) from exc
    files = {}
    for name in names:
        stem, suffix = os.path.splitext(name)
        if suffix in SUFFIXES and not name.startswith(".") and stem not in files:
            files[stem] = os.path.join(directory, name)
    return files


def default_library(directory: str | None = None) -> str:
    from ipt_expert.io.resources import shipped_vignettes_dir
    return str(directory or shipped_vignettes_dir())


def vignette_path(vignette_id: str, directory: str | None = None, *, source: str | None = None,
                  line: int | None = None) -> str:
    """The file of the vignette with this id in the library (default: the shipped one)."""
    library = default_library(directory)
    files = vignette_files(library)
    if vignette_id in files:
        return files[vignette_id]
    raise CaseError(f"no vignette '{vignette_id}' in the library {library}{did_you_mean(vignette_id, files)}",
                    source=source, line=line, field="vignette" if source else None)


def setting_of(data: dict) -> str:
    patient = data.get("patient", {})
    parts = [AGE_GROUPS.get(patient.get("age_group"), "age group not stated")]
    if patient.get("perinatal") is True:
        parts.append("perinatal")
    if patient.get("migrant") is True:
        parts.append("migrant")
    if data.get("substance_use", {}).get("status") in ("active", "in_recovery"):
        parts.append("substance use")
    return ", ".join(parts)


def difficulty_of(case) -> str:
    key = case.answer_key
    if key is None:
        return DIFFICULTIES[0]
    points = len(key.traps) + (len(key.focus) > 1) + bool(key.flags)
    points += bool(set(key.acceptable) - set(key.focus))
    return DIFFICULTIES[min(points, 2)]


def tags_of(case) -> tuple:
    data = case.data
    tags = [AGE_GROUPS.get(data.get("patient", {}).get("age_group"), "").replace(" ", "-")]
    setting = setting_of(data)
    tags += [t.replace(" ", "-") for t in ("perinatal", "migrant", "substance use") if t in setting]
    key = case.answer_key
    if key is not None:
        if len(key.focus) > 1:
            tags.append("two-area")
        if key.flags:
            tags.append("safety")
        if key.no_focus:
            tags.append("no-focus")
        tags += list(key.traps)
    return tuple(sorted({t for t in tags if t}))


def entry_for(path: str) -> LibraryEntry:
    from ipt_expert.case.loading import load_case

    case = load_case(path)
    stem = os.path.splitext(os.path.basename(path))[0]
    card = VignetteCard(id=stem, title=case.title or "", setting=setting_of(case.data),
                        difficulty=difficulty_of(case), narrative=" ".join((case.narrative or "").split()))
    areas = tuple(case.answer_key.focus) if case.answer_key else ()
    return LibraryEntry(card=card, path=path, areas=areas, tags=tags_of(case), case=case)


def load_library(directory: str | None = None) -> list:
    """Every vignette (a file with an answer key and a narrative) in the library, by id."""
    entries = []
    for path in vignette_files(default_library(directory)).values():
        entry = entry_for(path)
        if entry.case.is_vignette and entry.card.narrative:
            entries.append(entry)
    return entries


def select(entries: list, area: str | None = None, tag: str | None = None) -> list:
    """The entries whose key's focus includes ``area`` and whose tags include ``tag``."""
    if tag is not None:
        known = sorted({t for e in entries for t in e.tags})
        if tag not in known:
            raise CaseError(f"no vignette has the tag '{tag}'{did_you_mean(tag, known)}; tags in this library: "
                            + ", ".join(known), source="--tag")
        entries = [e for e in entries if tag in e.tags]
    if area is not None:
        entries = [e for e in entries if area in e.areas]
    return entries


def find_entry(vignette_id: str, directory: str | None = None) -> LibraryEntry:
    entry = entry_for(vignette_path(vignette_id, directory, source=None))
    if not entry.case.is_vignette or not entry.card.narrative:
        raise CaseError("is a case, not a vignette: it has no narrative or no answer key to hand out",
                        source=vignette_id)
    return entry


def render_list(entries: list) -> str:
    """One line per vignette: id, difficulty, setting, title."""
    if not entries:
        return "no vignettes match\n"
    width = max(len(e.card.id) for e in entries)
    lines = [f"{e.card.id:<{width}}  {e.card.difficulty:<12}  {e.card.setting:<24}  {e.card.title}"
             for e in entries]
    noun = "vignette" if len(entries) == 1 else "vignettes"
    return "\n".join(lines) + f"\n{len(entries)} {noun}\n"


def render_card(card: VignetteCard, width: int = 78) -> str:
    """The trainee's view of one vignette: no coded inventory, no key."""
    import textwrap

    head = [card.id, f"  {card.title}" if card.title else "",
            f"  Setting: {card.setting}. Difficulty: {card.difficulty}.", ""]
    body = textwrap.fill(card.narrative, width=width)
    return "\n".join([line for line in head if line != ""] + ["", body, ""])
