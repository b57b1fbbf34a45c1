"""`Engine`: everything an engine answers, composed from what each stage asks of it.

The stages declare their questions next to the objects they hand over (see the package's
docstring) and hold only the protocol they need; this class puts them together, so an engine
implements one base class and mypy checks each hook against the stage that calls it. Only the
entry points (the pipeline, lint, verify, the CLI) and the engines name it.
"""

from __future__ import annotations

from ..analyze.statements import AnalysisEngine
from ..lint.context import LintEngine
from ..variants import VariantEngine


class Engine(AnalysisEngine, LintEngine, VariantEngine):
    """One database engine, as the engine-agnostic stages see it."""


__all__ = ["Engine"]
