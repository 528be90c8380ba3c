"""Grading a class: every answer checked against its vignette's key, each vignette formulated once.

The feedback for each answer is ``check``'s (credit, verdict, where the
engine ranks the choice, missed evidence, traps, what to read, and which
pieces of the key's evidence the rationale covered).  Credit is partial where
the trainee was partly right: the first area right but the second unsupported
or missing, the key's areas in the wrong order, or one of the key's two areas.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ClassGrades:
    sheet: object                  # ClassSheet
    school: str
    results: list                  # (ClassAnswer, CheckResult), in the sheet's order
    cards: dict                    # vignette id -> VignetteCard (what trainees saw)
    keys: dict                     # vignette id -> AnswerKey
    area_names: dict               # area id -> name
    trap_titles: dict = field(default_factory=dict)

    @property
    def trainees(self) -> list:
        return list(dict.fromkeys(answer.trainee for answer, _ in self.results))


def grade_class(sheet_path: str, *, vignette_dir: str | None = None, rules_dir: str | None = None,
                school: str = "strict", progress=None) -> ClassGrades:
    """Read the sheet, formulate each vignette it names once, check every answer.

    ``progress(n, total)`` is called after each step (a vignette formulated or
    100 answers checked), for a progress bar.
    """
    from ipt_expert.io.constants import NO_FOCUS
    from ipt_expert.io.resources import shipped_rules_dir
    from ipt_expert.knowledge.rulebase import load_knowledge_base
    from ipt_expert.reasoning.engine import reasoner_for
    from ipt_expert.reasoning.formulation import formulate
    from ipt_expert.training.check import check_answer
    from ipt_expert.training.class_sheet import read_class_sheet
    from ipt_expert.training.vignette_library import default_library, entry_for, vignette_files

    files = vignette_files(default_library(vignette_dir))
    sheet = read_class_sheet(sheet_path, set(files))
    kb = load_knowledge_base(rules_dir or str(shipped_rules_dir()))
    formulations, cards, keys = {}, {}, {}
    named = list(dict.fromkeys(a.vignette for a in sheet.answers))
    reasoner_for(kb, whole_network=len(named) > 1)     # several vignettes: one network for all
    total = len(named) + len(sheet.answers)
    for vignette in named:
        entry = entry_for(files[vignette])
        if not entry.case.is_vignette:
            from ipt_expert.io.errors import CaseError
            raise CaseError("is a case without an answer key; a class sheet can only answer vignettes",
                            source=files[vignette])
        formulations[vignette] = (entry.case, formulate(entry.case, kb, school))
        cards[vignette], keys[vignette] = entry.card, entry.case.answer_key
        if progress:
            progress(1, total)
    results = []
    for count, answer in enumerate(sheet.answers, start=1):
        case, formulation = formulations[answer.vignette]
        results.append((answer, check_answer(case, formulation, list(answer.areas), answer.rationale,
                                             safety_first=answer.safety_first)))
        if progress and count % 100 == 0:
            progress(100, total)
    if progress and len(sheet.answers) % 100:
        progress(len(sheet.answers) % 100, total)
    area_names = {a.id: a.name for a in kb.policy.areas}
    # "No focus yet" is a category of its own in the class's statistics when a key or an answer says it.
    if any(result.key_primary == NO_FOCUS or result.answer[0] == NO_FOCUS for _, result in results):
        area_names[NO_FOCUS] = "No focus yet"
    return ClassGrades(sheet=sheet, school=school, results=results, cards=cards, keys=keys,
                       area_names=area_names,
                       trap_titles={t: v["title"] for t, v in kb.policy.traps.items()})


def by_trainee(grades: ClassGrades) -> dict:
    """trainee -> [(answer, result)], in the sheet's order."""
    out: dict = {}
    for answer, result in grades.results:
        out.setdefault(answer.trainee, []).append((answer, result))
    return out


def trainee_feedback(grades: ClassGrades, trainee: str, mine: list | None = None) -> str:
    """One trainee's feedback, as text: a summary line, then check's feedback for each answer."""
    from ipt_expert.training.check import render_check_text

    if mine is None:
        mine = by_trainee(grades).get(trainee, [])
    total = sum(r.credit for _, r in mine)
    head = [f"Feedback for {trainee}", f"Score {total:g} of {len(mine)} "
            f"({100 * total / len(mine):.0f}%)" if mine else "No answer graded", ""]
    body = [f"(sheet row {a.row}) " + render_check_text(r) for a, r in mine]
    return "\n".join(head) + "\n" + "\n".join(body)
