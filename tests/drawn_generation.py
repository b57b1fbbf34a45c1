"""Generation for the drawn tests (test_drawn_shapes.py, test_drawn_commands.py): drawn query blocks
go through the real pipeline in this process, and each block codegen refuses with a located error
is dropped, so a draw codegen cannot take still tests every block it can."""

from __future__ import annotations

import itertools
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from codegen import ir, pipeline
from codegen.config import Config
from codegen.errors import CodegenError, Diagnostic
from codegen.source import SourceFile


def analyze_accepted(config: Config, schema: SourceFile, texts: Callable[[list[int]], list[str]], count: int,
                     refused: Callable[[Diagnostic], None]) -> tuple[ir.Project, list[int]]:
    """The project of the blocks codegen accepts, and the drawn index of each block kept.

    texts(kept) -> one query block's text per kept index, in order (queries/q.sql is their
    concatenation); refused(diagnostic) is told of each error, which must be located in a block."""
    kept = list(range(count))
    while True:
        blocks = texts(kept)
        starts = list(itertools.accumulate([1] + [block.count("\n") for block in blocks]))[:-1]
        try:
            project = pipeline.analyze(config, sources=([schema], [SourceFile.of("queries/q.sql", "".join(blocks))]))
            return project, kept
        except CodegenError as error:
            bad = set()
            for diagnostic in error.diagnostics:
                assert diagnostic.path == "queries/q.sql" and diagnostic.line > 0, f"unlocated: {diagnostic}"
                bad.add(max(i for i, start in enumerate(starts) if start <= diagnostic.line))
                refused(diagnostic)
            kept = [k for i, k in enumerate(kept) if i not in bad]


def write_package(project: ir.Project, config: Config, folder: Path) -> None:
    """The generated files of the project, written under folder (a package importable from its parent)."""
    for rel, content in pipeline.render(project, config).items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def importable_root(root: Path, title: str, figures: Counter[str]) -> Iterator[Path]:
    """A folder the drawn packages are written to and imported from (on sys.path while the module
    fixture that yields from this lasts); the run's figures are printed at its end."""
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))
    print(f"\n{title}: " + "; ".join(f"{k} {v}" for k, v in sorted(figures.items()) if v))
