"""Build the playground into ``out/playground/``: ``python -m demos.playground.build``.

First, once: ``npm ci --prefix demos/playground`` (Pyodide and viz-js, pinned by the lock file there).
The build then makes a folder that works on any static host and with no network:

    index.html, playground.js, playground.py   the page, its script and its Python glue
    pyodide/   Pyodide's runtime: pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip, its lock
    viz/       viz.js: Graphviz compiled to WebAssembly, in one file
    wheels/    glassgrad's own wheel (pip wheel .), graphviz (pure Python) and micropip, the installer
    site.json  the wheels' names, for the script

The wheels come from pip (glassgrad built from this checkout; graphviz and micropip
from the package index, pure-Python wheels for Pyodide's Python). The folder is
built beside the old one and swapped in whole, so a failed build leaves the old one.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = ROOT / "out" / "playground"
MODULES = HERE / "node_modules"
PAGE = ("index.html", "playground.js", "playground.py")
PYODIDE = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json")
VIZ = MODULES / "@viz-js" / "viz" / "dist" / "viz.js"


class BuildError(Exception):
    """Something the build needs is missing or failed: one line that says what to do."""


def _runtime_files() -> list[Path]:
    files = [MODULES / "pyodide" / name for name in PYODIDE] + [VIZ]
    missing = [str(f.relative_to(HERE)) for f in files if not f.exists()]
    if missing:
        raise BuildError(f"missing {', '.join(missing)}: run npm ci --prefix demos/playground first")
    return files


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise BuildError(f"pip {args[0]} failed: {last}")


def _wheels(folder: Path) -> dict[str, object]:
    """glassgrad's wheel, and the pure wheels it and micropip need, into ``folder``; their names."""
    lock = json.loads((MODULES / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))
    python = ".".join(lock["info"]["python"].split(".")[:2])  # Pyodide's Python, such as 3.14
    micropip = lock["packages"]["micropip"]["version"]  # the micropip this Pyodide was made with
    try:
        graphviz = importlib.metadata.version("graphviz")  # the one glassgrad is tested with here
    except importlib.metadata.PackageNotFoundError:
        raise BuildError("the graphviz package is not installed: pip install -e . first") from None
    _pip("wheel", str(ROOT), "--no-deps", "--quiet", "-w", str(folder))
    _pip("download", "--quiet", "--no-deps", "--only-binary=:all:", "--python-version", python,
         "-d", str(folder), f"graphviz=={graphviz}", f"micropip=={micropip}")
    names = sorted(path.name for path in folder.glob("*.whl"))
    impure = [name for name in names if not name.endswith("-none-any.whl")]
    if impure:
        raise BuildError(f"not pure-Python wheels, which Pyodide cannot install: {', '.join(impure)}")
    return {
        "micropip": next(name for name in names if name.startswith("micropip-")),
        "wheels": [next(name for name in names if name.startswith(start))
                   for start in ("glassgrad-", "graphviz-")],
    }


def build(out: Path = OUT) -> Path:
    """Build the site into ``out`` (replacing what was there only once the new one is whole)."""
    runtime = _runtime_files()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    try:
        for name in PAGE:
            shutil.copy2(HERE / name, staging / name)
        for folder in ("pyodide", "viz", "wheels"):
            (staging / folder).mkdir()
        for path in runtime:
            shutil.copy2(path, staging / ("viz" if path == VIZ else "pyodide") / path.name)
        site = _wheels(staging / "wheels")
        packages = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]
        site["versions"] = packages
        (staging / "site.json").write_text(json.dumps(site, indent=2) + "\n", encoding="utf-8")
        old = out.with_name(f".{out.name}-old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demos.playground.build",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"the folder to build (default: {OUT})")
    args = parser.parse_args(argv)
    try:
        out = build(args.out)
    except BuildError as error:
        print(f"build: {error}", file=sys.stderr)
        return 2
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"built {out} ({size / 1e6:.1f} MB); serve it with python -m demos.playground.serve")
    return 0


if __name__ == "__main__":
    sys.exit(main())
