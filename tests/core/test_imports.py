"""The import graph: dependencies run one way and never in a circle (README, "Layout")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import one another in a circle (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        # Depth-first without recursion: each frame is a module and its imports still to visit.
        frames = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = lowlink[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while frames:
            module, imports = frames[-1]
            imported = next(imports, None)
            if imported is not None:
                if imported not in index:
                    index[imported] = lowlink[imported] = len(index)
                    stack.append(imported)
                    on_stack.add(imported)
                    frames.append(
                        (imported, iter(sorted(graph.find_modules_directly_imported_by(imported))))
                    )
                elif imported in on_stack:
                    lowlink[module] = min(lowlink[module], index[imported])
                continue
            frames.pop()
            if frames:
                parent = frames[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[module])
            if lowlink[module] == index[module]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == module:
                        break
                if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                    cycles.append(sorted(component))
    return cycles


def test_no_joans_module_imports_itself_through_others():
    """No import circle among joans' modules, imports inside functions included."""
    graph = grimp.build_graph("joans", cache_dir=None)
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_circle_hidden_in_a_function(tmp_path, monkeypatch):
    """The check above would catch the kind of circle a function-level import once hid."""
    package = tmp_path / "circle"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from circle import b\n")
    (package / "b.py").write_text("def late():\n    from circle import c\n")
    (package / "c.py").write_text("import circle.a\n")
    (package / "d.py").write_text("import circle.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("circle", cache_dir=None)
    assert import_cycles(graph) == [["circle.a", "circle.b", "circle.c"]]


def test_the_import_contracts_hold():
    """lint-imports keeps the layers and keeps the core free of features (setup.cfg)."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - the lint-imports of this very environment
        [str(lint_imports), "--no-cache", "--config", str(ROOT / "setup.cfg")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
