"""The package's import graph, read from the source (never by importing it).

{module: {imported ipt_expert module: 'top' | 'lazy'}}, with dotted names
(``ipt_expert.reasoning.engine``); a package stands for its ``__init__``.
Imports under ``if TYPE_CHECKING:`` are left out; imports inside a function
are 'lazy' and count like any other, since a lazy import still closes a
circle and still reaches up a layer.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "ipt_expert"

# The layers, lowest first: a module may import its own layer and those below.
LAYERS = ("io", "knowledge", "case", "reasoning", "reports", "training", "interview", "web", "classroom", "cli")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(current: str, is_package: bool, node: ast.ImportFrom, modules: set) -> list:
    if node.level:
        base = current.split(".")
        base = base[: len(base) - node.level + (1 if is_package else 0)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    if not prefix.startswith("ipt_expert"):
        return []
    targets = []
    for alias in node.names:
        sub = f"{prefix}.{alias.name}"
        targets.append(sub if sub in modules else prefix)
    return targets


def _imports(node, current: str, is_package: bool, modules: set, edges: dict, lazy: bool = False) -> dict:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        inner = lazy or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef))
        targets = []
        if isinstance(child, ast.ImportFrom):
            targets = _resolve(current, is_package, child, modules)
        elif isinstance(child, ast.Import):
            targets = [a.name for a in child.names if a.name.startswith("ipt_expert")]
        for target in targets:
            if target != current and edges.get(target) != "top":
                edges[target] = "lazy" if inner else "top"
        _imports(child, current, is_package, modules, edges, inner)
    return edges


def import_graph(package: Path = PACKAGE) -> dict:
    paths = sorted(package.rglob("*.py"))
    names = {p: module_name(p, package) for p in paths}
    modules = set(names.values())
    return {names[p]: _imports(ast.parse(p.read_text(encoding="utf-8")), names[p], p.name == "__init__.py",
                               modules, {})
            for p in paths}


def find_cycles(graph: dict) -> list:
    """One circle per back edge of a depth-first walk ([] when there is none): linear in the graph's size,
    so that a planted circle through the whole package is reported at once, not searched path by path."""
    found, state, path = [], {}, []

    def walk(node):
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == "open":
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                walk(nxt)
        path.pop()
        state[node] = "done"

    for start in sorted(graph):
        if start not in state:
            walk(start)
    return found


def layer_of(module: str) -> str | None:
    """The layer a module belongs to; None for the package's own facade (``ipt_expert``, ``__main__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def upward_imports(graph: dict) -> list:
    """['a imports b (top|lazy): layer x reaches up to layer y', ...] for every import that goes up a layer."""
    found = []
    for module, edges in sorted(graph.items()):
        here = layer_of(module)
        if here is None:
            continue
        for target, how in sorted(edges.items()):
            there = layer_of(target)
            # The facade (ipt_expert/__init__) sits above every layer but the
            # CLI, which calls formulate_file through it as a user would.
            facade = target == "ipt_expert" and here != "cli"
            if facade or (there and LAYERS.index(there) > LAYERS.index(here)):
                found.append(f"{module} imports {target} ({how}): layer {here} reaches up to "
                             f"{there or 'the package facade'}")
    return found


def outside_the_layers(graph: dict) -> list:
    """Modules that belong to no layer, other than the facade and ``__main__``."""
    return sorted(m for m in graph if layer_of(m) is None and m not in ("ipt_expert", "ipt_expert.__main__"))
