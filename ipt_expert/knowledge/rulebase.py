"""Loading the knowledge base: rule files and the formulation policy.

Rule files are YAML written by clinicians.  Loading checks each file against
``schemas/rules.schema.json``, then compiles every rule's conditions
(``compiler``) into the small intermediate form of ``conditions``, checked
against the fact vocabulary: an unknown fact type, field or value, a
comparison on a field that is not a number, or a rationale sentence that
names something the rule does not match fails here, with the file, line,
rule id and a did-you-mean, before any case runs.  Nothing in a rule file is
ever evaluated as code.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ipt_expert.io.errors import KnowledgeBaseError, field_path
from ipt_expert.io.yamlio import Document, load_document
from ipt_expert.knowledge.conditions import RuleSpec
from ipt_expert.knowledge.validation import every_problem, validate

POLICY_FILE = "policy.yaml"


MAX_RULE_FILES = 40        # with at most 300 rules each (rules.schema.json)

# In all: loading, compiling and running cost grow with the number of rules (12,000, 40 files of 300,
# took half a minute to load and over a minute on a case of 60 persons and 60 events); the shipped rule
# base has about 150.
MAX_RULES = 1_000


@dataclass(frozen=True)
class AreaInfo:
    id: str
    name: str
    phrase: str
    goals: str
    source: str
    also_called: str = ""
    rater_agreement: str = ""
    treatable_rank: int = 0   # 1: the most workable within the time limit; breaks a tie last (reasoning/ties.py)


@dataclass(frozen=True)
class Policy:
    areas: tuple            # AreaInfo, in the order declared (never a tie-break: see reasoning/ties.py)
    second_area_min_score: float
    second_area_max_gap: float
    focus_source: str
    value_sets: dict = field(default_factory=dict)
    traps: dict = field(default_factory=dict)   # trap id -> {title, teaching, read}
    # A second area this strong joins the focus whatever its gap to the first (None: the gap always applies).
    second_area_strong_score: float | None = None

    def area(self, area_id: str) -> AreaInfo:
        return next(a for a in self.areas if a.id == area_id)


@dataclass
class KnowledgeBase:
    directory: str
    rules: tuple             # RuleSpec, sorted by id
    policy: Policy
    files: tuple

# The checks the loader makes, by id (listed with the lint-only checks in
# ipt_expert.reasoning.rulechecks; every problem it reports carries one of these ids).
LOAD_CHECKS = (
    ("rule-directory", "error", "the directory holds a policy.yaml and 1 to 40 rule files with at most 1,000 "
                                "rules in all, and is not a directory of case files"),
    ("policy", "error", "policy.yaml is valid: its schema, each of the four areas once"),
    ("readable", "error", "each file reads as YAML data (UTF-8, at most 2 MB, no aliases, tags that build "
                          "objects or duplicate keys) and is a rule file, not a case file"),
    ("schema", "error", "every field of every rule is known and has a value of the right type "
                        "(rules.schema.json), with a did-you-mean"),
    ("kind-fields", "error", "a rule uses only the fields of its kind (no 'area' on a flag, no 'severity' on "
                             "evidence)"),
    ("conditions", "error", "conditions name known fact types, fields, values, tests and value sets (with a "
                            "did-you-mean); variables are bound before they are used"),
    ("sentence", "error", "sentences read only the fields of the facts the rule matches, with the allowed "
                          "filters; no calls, loops or unknown names"),
    ("join-budget", "error", "the facts a rule joins cannot make more partial matches than the budget, even on "
                             "the largest case allowed"),
    ("unique-ids", "error", "every rule id is used once across the files"),
)


@dataclass
class RuleBaseReading:
    """Everything the loader found in a rule directory (for `rules lint`)."""

    directory: str
    policy: Policy | None
    rules: tuple                     # RuleSpec that compiled, sorted by id, ids unique
    declared: tuple                  # DeclaredRule for every rule read, compiled or not
    files: tuple
    unreadable: tuple                # files dropped whole (nothing in them could be read)
    problems: list


def rule_files(directory: Path) -> list:
    return sorted(p for p in directory.glob("*.yaml") if p.name != POLICY_FILE)


def load_knowledge_base(directory: str | os.PathLike) -> KnowledgeBase:
    """Load and check every rule file and the policy in ``directory`` (cached while unchanged)."""
    path = Path(directory)
    if not path.is_dir():
        raise KnowledgeBaseError("is not a directory of rule files", source=str(directory))
    if not os.access(path, os.R_OK | os.X_OK):   # glob would quietly find nothing
        raise KnowledgeBaseError("cannot be read: permission denied", source=str(directory))
    stamp = tuple(_stamp(p) for p in sorted(path.glob("*.yaml")))
    return _load_cached(str(path.resolve()), stamp, str(directory))


def _stamp(path: Path) -> tuple:
    """What tells an unchanged file from a changed one without reading it: ctime and inode too, since
    copying tools restore mtime and size. A file that cannot be stat'ed (a broken link) is left to the
    reader, which says so with its location."""
    try:
        info = path.stat()
    except OSError:
        return (path.name, None)
    return (path.name, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_size)


@lru_cache(maxsize=8)
def _load_cached(resolved: str, stamp: tuple, shown: str) -> KnowledgeBase:
    from ipt_expert.knowledge import cache

    files = sorted(Path(resolved).glob("*.yaml"))
    try:
        key = cache.key_of(files)
    except OSError:
        key = None              # a file that cannot be read: the reading below says so, located
    kept = cache.read(key, (Policy, AreaInfo)) if key else None
    if kept is not None:
        # The files' shown names follow the directory as the user named it this time.
        shown_files = tuple(str(Path(shown) / Path(name).name) for name in kept["files"])
        for rule in kept["rules"]:
            rule.file = str(Path(shown) / Path(rule.file).name)
        return KnowledgeBase(directory=shown, rules=kept["rules"], policy=kept["policy"], files=shown_files)
    reading = read_rule_base(resolved, shown, collect=False)
    # Kept only when the files still hash to the key they had before they were read: a file saved
    # while it was being read must never have one version's reading stored under another's key.
    if key and _key_now(cache, files) == key:
        cache.write(key, reading.rules, reading.policy, reading.files)
    return KnowledgeBase(directory=shown, rules=reading.rules, policy=reading.policy, files=reading.files)


def _key_now(cache, files: list) -> str | None:
    try:
        return cache.key_of(files)
    except OSError:
        return None


def read_rule_base(directory: str | os.PathLike, shown: str | None = None, *, collect: bool) -> RuleBaseReading:
    """Read and check a rule directory: stop at the first problem, or (collect=True) record them all."""
    path = Path(directory)
    shown = str(directory) if shown is None else shown
    if not path.is_dir():
        raise KnowledgeBaseError("is not a directory of rule files", source=shown)
    if not os.access(path, os.R_OK | os.X_OK):   # glob would quietly find nothing
        raise KnowledgeBaseError("cannot be read: permission denied", source=shown)
    # Compiling (Jinja's parser for the sentences included) is needed only when the cache has no reading.
    from ipt_expert.knowledge.compiler import _Problems, _RuleCompiler

    problems = _Problems(collect)
    files = rule_files(path)
    shown_files = tuple(str(Path(shown) / f.name) for f in files)
    policy_path = path / POLICY_FILE
    empty = RuleBaseReading(shown, None, (), (), shown_files, shown_files, problems.found)
    if not files:
        problems.add(KnowledgeBaseError("has no rule files (*.yaml)", source=shown), "rule-directory")
        return empty
    if not policy_path.is_file():
        case_file = _case_file_among(files)
        if case_file is not None:
            problems.add(KnowledgeBaseError(
                f"looks like a directory of case files, not rules ({case_file.name} is a case or vignette: it "
                f"has 'episode' and no 'rules'); give a rule directory, such as the shipped rules/, which "
                f"holds {POLICY_FILE} and the rule files", source=shown), "rule-directory")
            return empty
    if len(files) > MAX_RULE_FILES:
        problems.add(KnowledgeBaseError(f"has {len(files)} rule files; a rule base has at most {MAX_RULE_FILES}",
                                        source=shown), "rule-directory")
    policy = None
    if not policy_path.is_file():
        problems.add(KnowledgeBaseError(f"has no {POLICY_FILE} (areas and focus settings)", source=shown),
                     "rule-directory")
    else:
        try:
            policy = _load_policy(str(Path(shown) / POLICY_FILE), policy_path)
        except KnowledgeBaseError as exc:
            problems.add(exc, "policy")
    # Without the policy its value sets are unknown: conditions that use one are then left unchecked.
    value_sets = policy.value_sets if policy is not None else None
    rules: dict[str, RuleSpec] = {}
    declared: list = []
    seen: dict = {}            # rule id -> the DeclaredRule that used it first
    total = 0
    unreadable: list = []
    for rule_file, shown_file in zip(files, shown_files, strict=True):
        document = _read_rule_file(rule_file, shown_file, problems)
        if document is None:
            unreadable.append(shown_file)
            continue
        schema_errors = _schema_errors(document, problems)
        if schema_errors is None:
            unreadable.append(shown_file)
            continue
        total += len(document.data["rules"])
        if total > MAX_RULES:
            # Checked before compiling: the work stays bounded (the files after this one are not read).
            problems.add(KnowledgeBaseError(f"brings the rule base to {total:,} rules; a rule base has at most "
                                            f"{MAX_RULES:,} in all (the shipped one has about 150)",
                                            source=shown_file), "rule-directory")
            unreadable.extend(shown_files[shown_files.index(shown_file):])
            break
        for index, raw in enumerate(document.data["rules"]):
            compiler = _RuleCompiler(document, index, raw, value_sets, problems, schema_errors.get(index, ()))
            this = compiler.declared()
            declared.append(this)
            spec = compiler.compile()
            first = seen.setdefault(this.id, this) if this.id else this
            if first is not this:
                # Also when either rule is broken: the id clash is a problem of its own.
                problems.add(KnowledgeBaseError(f"rule id '{this.id}' is used twice (also {first.file}:{first.line})",
                                                source=this.file, line=this.line, field="id", rule=this.id,
                                                rule_in_message=True), "unique-ids")
                continue
            if spec is not None:
                rules[spec.id] = spec
    ordered = tuple(rules[k] for k in sorted(rules))
    return RuleBaseReading(shown, policy, ordered, tuple(declared), shown_files, tuple(unreadable), problems.found)


def _case_file_among(files: list, looked_at: int = 3):
    """The first of a few files that is a case or vignette, if any (a directory of cases passed as rules)."""
    for candidate in files[:looked_at]:
        try:
            document = load_document(str(candidate), what="file", error=KnowledgeBaseError)
        except KnowledgeBaseError:
            continue
        if _is_case_data(document.data):
            return candidate
    return None


def _is_case_data(data) -> bool:
    return isinstance(data, dict) and "rules" not in data and "episode" in data


def _read_rule_file(path: Path, shown: str, problems):
    try:
        document = load_document(str(path), what="rule file", error=KnowledgeBaseError, shown=shown)
    except KnowledgeBaseError as exc:
        problems.add(exc, "readable")
        return None
    if _is_case_data(document.data):
        problems.add(KnowledgeBaseError("is a case or vignette file (it has 'episode' and no 'rules'), not a rule "
                                        "file; case files do not belong in a rule directory", source=shown),
                     "readable")
        return None
    return document


def _schema_errors(document: Document, problems):
    """Schema errors by rule index; None when the file cannot be read as a list of rules at all."""
    if not problems.collect:
        try:
            validate(document, "rules", KnowledgeBaseError)
        except KnowledgeBaseError as exc:
            problems.add(exc, "schema")
        return {}
    by_rule: dict = {}
    dropped = False
    for path, message in every_problem(document, "rules"):
        if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
            by_rule.setdefault(path[1], []).append((path, message))
            continue
        problems.add(KnowledgeBaseError(message, source=document.source, line=document.line_of(path),
                                        field=field_path(path) or None), "schema")
        if path[:1] in ((), ("rules",)):
            dropped = True      # no list of rules to go on with
    if dropped or not isinstance(document.data, dict) or not isinstance(document.data.get("rules"), list):
        return None
    return by_rule


def _load_policy(shown: str, path: Path) -> Policy:
    document = load_document(str(path), what="policy file", error=KnowledgeBaseError, shown=shown)
    validate(document, "policy", KnowledgeBaseError)
    data = document.data
    ids = [a["id"] for a in data["areas"]]
    if len(set(ids)) != 4:
        raise KnowledgeBaseError("must list each of the four areas once", source=shown,
                                 line=document.line_of(("areas",)), field="areas")
    focus = data["focus"]
    return Policy(areas=tuple(AreaInfo(**a) for a in data["areas"]),
                  second_area_min_score=float(focus["second_area_min_score"]),
                  second_area_max_gap=float(focus["second_area_max_gap"]),
                  focus_source=focus["source"], value_sets=dict(data.get("value_sets", {})),
                  traps=dict(data.get("traps", {})),
                  second_area_strong_score=(None if focus.get("second_area_strong_score") is None
                                            else float(focus["second_area_strong_score"])))
