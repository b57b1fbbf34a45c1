"""The shape of a SQLite function call as sqlglot parses it: its SQLite name, its arguments, and
the call as the function table's rules see it (Call)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp

from codegen import ir
from codegen.ir import Typed, ValueType

from ...analyze import calls

ArgType = Callable[[exp.Expr], Typed]

# sqlglot names (Func.sql_name() or an Anonymous name) -> the SQLite function.
_ALIASES = {
    "GREATEST": "MAX", "LEAST": "MIN", "STR_POSITION": "INSTR", "RAND": "RANDOM",
    "CHR": "CHAR", "SUBSTRING": "SUBSTR", "POWER": "POW", "CEILING": "CEIL",
    "IF": "IIF", "IFNULL": "COALESCE", "FORMAT": "PRINTF", "STRING_AGG": "GROUP_CONCAT",
    "LOG10": "LOG", "LOG2": "LOG", "CURRENT_VERSION": "SQLITE_VERSION",
    "TIME_TO_STR": "STRFTIME", "J_S_O_N_OBJECT": "JSON_OBJECT",
    "JSON_EXTRACT_SCALAR": "JSON_EXTRACT",  # json_extract(x, one_path) and x ->> p
    "J_S_O_N_ARRAY_AGG": "JSON_GROUP_ARRAY", "J_S_O_N_OBJECT_AGG": "JSON_GROUP_OBJECT",
}



def call_name(node: exp.Expr) -> str:
    """The function's name as SQLite spells it, for messages."""
    return (name_of(node) or node.key).lower()


def name_of(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Anonymous):
        name = node.name.upper()
    elif isinstance(node, exp.Escape) and isinstance(node.this, (exp.Like, exp.Glob)):
        return name_of(node.this)  # like(p, s, esc)
    elif isinstance(node, exp.Like):  # like()/glob() calls parse like the operators
        return "LIKE"
    elif isinstance(node, exp.Glob):
        return "GLOB"
    elif type(node) is exp.JSONExtract:
        # one path: the -> operator; several: json_extract(x, p1, p2, ...)
        return "JSON_EXTRACT" if node.expressions else "->"
    elif isinstance(node, exp.If) and isinstance(node.parent, exp.Case):
        return None  # a WHEN branch of CASE, not iif()
    elif isinstance(node, exp.Func):
        name = node.sql_name()
    else:
        return None
    return _ALIASES.get(name, name)


def _unwrap(arg: exp.Expr) -> list[exp.Expr] | None:
    """SQLite's arguments inside sqlglot's wrappers."""
    if isinstance(arg, exp.JSONKeyValue):  # json_object(k, v, ...)
        return [arg.this, arg.expression]
    if isinstance(arg, exp.TsOrDsToTimestamp):  # strftime(f, x): x is wrapped
        return [arg.this]
    return None


def arguments(node: exp.Expr) -> list[exp.Expr]:
    if isinstance(node, exp.Escape):
        return [*arguments(node.this), node.expression]
    if isinstance(node, exp.TimeToStr):
        # strftime(f, x) -> TimeToStr(this=TsOrDsToTimestamp(x), format=f); with
        # no time-value sqlglot puts in CURRENT_TIMESTAMP, which means 'now' too.
        return [node.args["format"], *calls.flat(node.this, _unwrap)]
    return calls.arguments(node, _unwrap)


@dataclass
class Call:
    name: str
    args: list[exp.Expr]
    arg_type: ArgType
    rows: bool  # the aggregate / window frame sees at least one row
    filtered: bool
    _types: dict[int, Typed] = field(default_factory=dict)

    def t(self, i: int) -> Typed:
        """The i-th argument's Typed, asking the analyzer at most once."""
        if i not in self._types:
            arg = self.args[i]
            # A JSONPath was a path string literal in the SQL: never NULL.
            literal = isinstance(arg, exp.JSONPath)
            self._types[i] = Typed(ValueType(ir.STR), False) if literal else self.arg_type(arg)
        return self._types[i]

    def base(self, i: int) -> str:
        return self.t(i).type.base

    def any_null(self, start: int = 0) -> bool:
        return any(self.t(i).nullable for i in range(start, len(self.args)))
