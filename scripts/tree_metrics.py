#!/usr/bin/env python3
"""Module and function sizes of the tree, and which exceed the house limits.

Counts physical lines per module and, per function (methods and nested functions too), the
lines from its ``def`` (decorators included) to its last line. Reports every module over
``--max-module`` lines and every function over ``--max-function`` lines; exits 1 when any does
(``--report-only`` always exits 0). Standard library only (``ast``).

Usage::

    python scripts/tree_metrics.py                      # convanim/ and scenes/
    python scripts/tree_metrics.py convanim/core convanim/cli --top 10
    python scripts/tree_metrics.py --json
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PATHS = ("convanim", "scenes")


@dataclass(frozen=True)
class Function:
    path: str
    name: str
    line: int
    lines: int


def python_files(paths: list[str]) -> list[Path]:
    """Every ``.py`` file under the given files or folders (build and venv folders skipped)."""
    out: list[Path] = []
    for name in paths:
        p = Path(name)
        p = p if p.is_absolute() else ROOT / p
        if p.is_file():
            out.append(p)
        else:
            skip = {".venv", "build", "node_modules", "__pycache__", ".git"}
            out.extend(f for f in sorted(p.rglob("*.py")) if not skip & set(f.parts))
    return out


def functions(path: Path, tree: ast.AST) -> list[Function]:
    """Every function and method with its length (decorators to last line)."""
    found = []
    rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                first = min([child.lineno, *(d.lineno for d in child.decorator_list)])
                name = f"{prefix}{child.name}"
                found.append(Function(rel, name, first, child.end_lineno - first + 1))
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def measure(paths: list[str]) -> tuple[dict[str, int], list[Function]]:
    modules: dict[str, int] = {}
    funcs: list[Function] = []
    for path in python_files(paths):
        text = path.read_text(encoding="utf-8")
        rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        modules[rel] = len(text.splitlines())
        funcs.extend(functions(path, ast.parse(text, str(path))))
    return modules, funcs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    parser.add_argument("--max-module", type=int, default=600)
    parser.add_argument("--max-function", type=int, default=80)
    parser.add_argument("--top", type=int, default=5, help="also list the N largest of each")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--report-only", action="store_true", help="exit 0 even when over")
    args = parser.parse_args(argv)
    modules, funcs = measure(args.paths)
    big_modules = {m: n for m, n in modules.items() if n > args.max_module}
    long_funcs = [f for f in funcs if f.lines > args.max_function]
    if args.json:
        print(
            json.dumps(
                {
                    "modules": len(modules),
                    "functions": len(funcs),
                    "lines": sum(modules.values()),
                    "modules_over": big_modules,
                    "functions_over": [asdict(f) for f in long_funcs],
                },
                indent=1,
            )
        )
    else:
        print(
            f"{len(modules)} modules, {sum(modules.values()):,} lines, {len(funcs)} functions"
            f" (limits: module {args.max_module}, function {args.max_function})"
        )
        print(f"modules over {args.max_module} lines: {len(big_modules)}")
        for m, n in sorted(big_modules.items(), key=lambda kv: -kv[1]):
            print(f"  {n:5d}  {m}")
        print(f"functions over {args.max_function} lines: {len(long_funcs)}")
        for f in sorted(long_funcs, key=lambda f: -f.lines):
            print(f"  {f.lines:5d}  {f.path}:{f.line}  {f.name}")
        if args.top:
            print(f"largest modules (top {args.top}):")
            for m, n in sorted(modules.items(), key=lambda kv: -kv[1])[: args.top]:
                print(f"  {n:5d}  {m}")
            print(f"longest functions (top {args.top}):")
            for f in sorted(funcs, key=lambda f: -f.lines)[: args.top]:
                print(f"  {f.lines:5d}  {f.path}:{f.line}  {f.name}")
    over = bool(big_modules or long_funcs)
    return 0 if args.report_only or not over else 1


if __name__ == "__main__":
    sys.exit(main())
