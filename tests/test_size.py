"""The engine stays small enough to read in one sitting, and its layers point one way.

As teenygrad's ``sz.py`` does, the size test counts lines of code (not
docstrings, comments or blank lines) and prints them: ``pytest -s
tests/test_size.py`` shows the figures.
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

import autograd
import autograd.view

ROOT = Path(autograd.__file__).resolve().parents[1]
CORE = ("value.py", "ops.py", "graph.py", "backward.py")
ENGINE = sorted(p.name for p in (ROOT / "autograd").glob("*.py") if p.name != "__init__.py")
"""Every module of the engine: the core, compile, gradcheck and their helpers (``__init__`` is the
package's front door, which loads the views on first use)."""
BUDGET = 350


def code_lines(path: Path) -> int:
    """Lines that hold code: not blank, not only a comment, not part of a docstring."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            # a docstring, and an attribute's docstring (a string right after an assignment)
            strings = [
                s
                for i, s in enumerate(body)
                if isinstance(s, ast.Expr)
                and isinstance(s.value, ast.Constant)
                and isinstance(s.value.value, str)
                and (i == 0 or isinstance(body[i - 1], (ast.Assign, ast.AnnAssign)))
            ]
            for s in strings:
                docstrings.update(range(s.lineno, (s.end_lineno or s.lineno) + 1))
    code: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                          tokenize.ENDMARKER):
            continue
        code.update(range(token.start[0], token.end[0] + 1))
    return len(code - docstrings)


def test_code_lines_counts_code_only(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""A module docstring,\n\nover three lines."""\n'
        "\n"
        "# a comment\n"
        "X = 1  # code with a comment\n"
        '"""X\'s docstring."""\n'
        "\n"
        "def f(a: int) -> int:\n"
        '    """f\'s docstring."""\n'
        "    return (a +\n"
        "            1)\n",
        encoding="utf-8",
    )
    assert code_lines(sample) == 4  # X = 1, def f, and the two lines of return


def test_the_engine_core_is_at_most_350_lines_of_code() -> None:
    counts = {name: code_lines(ROOT / "autograd" / name) for name in CORE}
    report = ", ".join(f"{name} {n}" for name, n in counts.items())
    total = sum(counts.values())
    line = f"engine core: {total} lines of code (budget {BUDGET}): {report}"
    rest = ", ".join(f"{name} {code_lines(ROOT / 'autograd' / name)}" for name in ENGINE if name not in CORE)
    print(f"{line}\nthe rest of the engine: {rest}")
    assert total <= BUDGET, line


def _imports(path: Path) -> list[str]:
    """Every module ``path`` imports, dotted (``from autograd import view`` gives ``autograd.view``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return found


def _is_under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_engine_imports_nothing_from_the_views_nn_or_the_cli() -> None:
    assert {*CORE, "compiler.py", "check.py"} <= set(ENGINE)
    above = ("autograd.view", "nn", "glassgrad")
    wrong = [
        f"autograd/{name} imports {module}"
        for name in ENGINE
        for module in _imports(ROOT / "autograd" / name)
        if any(_is_under(module, package) for package in above)
    ]
    assert not wrong, wrong


def test_imports_are_found_in_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    lines = ["import nn.layers", "from autograd import view", "if 1:", "    from glassgrad.cli import main"]
    sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert {"nn.layers", "autograd.view", "glassgrad.cli"} <= set(_imports(sample))


def test_nn_uses_only_public_engine_names() -> None:
    public = {f"autograd.{name}" for name in (*autograd.__all__, "compile")}
    public |= {f"autograd.view.{name}" for name in getattr(autograd.view, "__all__", ())}
    wrong: list[str] = []
    for path in sorted((ROOT / "nn").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and _is_under(node.module, "autograd"):
                wrong += [
                    f"nn/{path.name}: from {node.module} import {alias.name}"
                    for alias in node.names
                    if f"{node.module}.{alias.name}" not in public
                ]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if _is_under(a.name, "autograd") and a.name != "autograd"]
                wrong += [f"nn/{path.name}: import {name}" for name in names]
            elif (  # autograd.something, through `import autograd`
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "autograd"
                and f"autograd.{node.attr}" not in public
            ):
                wrong.append(f"nn/{path.name}: autograd.{node.attr}")
    assert not wrong, wrong
