"""The shape of the code, as a newcomer reads it: the includes and imports
run one way (no circle, no arrow back up), runners/ holds no file over 400
lines and no function over 80, and cases include only the headers core/
offers them (core/README.md)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import FIXTURES, ROOT

RUNNERS = ROOT / "runners"
# Lower layers first: a file may include its own layer and those below.
LAYERS = ["core", "cases", "runners/lib", "runners/python", "runners/bench_all"]


def cpp_files() -> list[Path]:
    return sorted(p for folder in ("core", "cases", "runners") for p in (ROOT / folder).rglob("*")
                  if p.suffix in (".cc", ".h"))


def unit(path: Path) -> str:
    """A .cc and its .h are one unit: core/plan for core/plan.cc and .h."""
    return str(path.relative_to(ROOT).with_suffix(""))


def includes(path: Path) -> list[str]:
    return re.findall(r'^#include "([^"]+)"', path.read_text(), re.M)


def layer(name: str) -> int:
    return max(i for i, prefix in enumerate(LAYERS) if name.startswith(prefix + "/") or name == prefix)


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if m not in state:
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state:
            found = visit(n)
            if found:
                return found
    return None


def test_cpp_includes_run_one_way():
    graph: dict[str, set[str]] = {}
    upward = []
    for path in cpp_files():
        here = unit(path)
        for inc in includes(path):
            target = str(Path(inc).with_suffix(""))
            if not (ROOT / inc).exists():
                continue  # generated (build_info.h)
            if target != here:
                graph.setdefault(here, set()).add(target)
            if layer(target) > layer(here):
                upward.append(f"{path.relative_to(ROOT)} includes {inc}")
    assert not upward, upward
    assert find_cycle(graph) is None, find_cycle(graph)


def test_report_imports_have_no_circle():
    package = ROOT / "report" / "locality" / "report"
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("locality.report"):
                targets = [node.module.split(".")[2]] if node.module.count(".") >= 2 else [a.name for a in node.names]
                graph.setdefault(path.stem, set()).update(t for t in targets if (package / f"{t}.py").exists())
    assert find_cycle(graph) is None, find_cycle(graph)


def functions_over(limit: int) -> list[str]:
    """Functions in runners/ longer than `limit` lines: C++ definitions
    (a line ending in '{' at column 0 to its closing '}' at column 0),
    Python functions (ast), shell functions (name() { ... })."""
    long = []
    for path in sorted(RUNNERS.rglob("*")):
        if not path.is_file():
            continue
        lines = path.read_text(errors="replace").splitlines()
        if path.suffix in (".cc", ".h", ".c") or path.suffix == ".sh":
            start = None
            for i, line in enumerate(lines):
                opens = line.endswith("{") and line[:1] not in ("", " ", "}", "#", "/") and "namespace" not in line \
                    and " = {" not in line and not line.startswith(("struct ", "class ", "enum ", "union ", "extern "))
                if start is None and opens:
                    start = i
                elif start is not None and line.startswith("}"):
                    if i - start + 1 > limit:
                        long.append(f"{path.relative_to(ROOT)}:{start + 1} ({i - start + 1} lines)")
                    start = None
        elif path.suffix == ".py":
            for node in ast.walk(ast.parse("\n".join(lines))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > limit:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                                f"({node.end_lineno - node.lineno + 1} lines)")
    return long


def test_runners_files_and_functions_are_short():
    big = [f"{p.relative_to(ROOT)} ({n} lines)" for p in sorted(RUNNERS.rglob("*"))
           if p.is_file() and (n := len(p.read_text(errors="replace").splitlines())) > 400]
    assert not big, big
    assert not functions_over(80), functions_over(80)


def test_the_structure_checks_can_say_no():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert layer("runners/bench_all/main") > layer("runners/lib/plan") > layer("core/family")


def test_cases_include_only_what_core_offers_them():
    offered = set(re.findall(r"`(core/[a-z_]+\.h)`", (ROOT / "core" / "README.md").read_text()))
    assert offered, "core/README.md lists the headers a case may include"
    for path in (ROOT / "cases").glob("*.cc"):
        for inc in includes(path):
            assert inc in offered, f"{path.name} includes {inc}, which core/README.md does not offer to cases"


def cases_named_in(text: str, catalogue: dict) -> list[str]:
    """The catalogue's cases that `text` names as "family/case" (or as the
    pair ("family", "case") in code)."""
    found = []
    for family, desc in catalogue.items():
        for c in desc["cases"]:
            if f"{family}/{c['name']}" in text or re.search(rf'"{family}",\s*"{c["name"]}"', text):
                found.append(f"{family}/{c['name']}")
    return found


def test_the_report_names_no_case():
    """The report knows experiments only through the descriptors in the
    result file: no case is named in its code (docstrings included)."""
    from locality.report.load import load_result

    catalogue = load_result(FIXTURES / "vm-quick.json").families
    named = {p.name: found for p in sorted((ROOT / "report" / "locality" / "report").glob("*.py"))
             if (found := cases_named_in(p.read_text(), catalogue))}
    assert not named, named
    # and the check sees a name where there is one
    assert cases_named_in('LATENCY = ("latency", "random_chase")', catalogue) == ["latency/random_chase"]
    assert cases_named_in("over heap_vector/sum, ns", catalogue) == ["heap_vector/sum"]
