"""PostgreSQL CREATE FUNCTION / PROCEDURE signatures: what a call of a function the migrations
define takes and gives, read from the statement's lexemes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ... import ir
from ...catalog.build import SchemaState
from ...catalog.cursor import Cursor, unquote
from ...errors import Located
from .type_names import TYPES, normalise


class TypeReader(Protocol):
    """What reading a signature needs of the schema's types (catalog.PostgresTypes)."""

    state: SchemaState
    composites: dict[tuple[str | None, str], list[tuple[str, ir.ValueType]]]

    def value_type(self, declared: str) -> ir.ValueType: ...


# Words that end a function's RETURNS type and start its options or body.
_FUNCTION_OPTIONS = {"AS", "LANGUAGE", "IMMUTABLE", "STABLE", "VOLATILE", "STRICT", "CALLED", "RETURNS", "SECURITY",
                     "EXTERNAL", "PARALLEL", "COST", "ROWS", "SET", "WINDOW", "LEAKPROOF", "NOT", "TRANSFORM",
                     "SUPPORT", "BEGIN", "RETURN", "DEFAULT"}
_ARG_MODES = {"IN", "OUT", "INOUT", "VARIADIC"}


@dataclass
class FuncArg:
    name: str | None
    type: ir.ValueType
    mode: str = "IN"  # IN, OUT, INOUT, VARIADIC
    has_default: bool = False


@dataclass
class FuncDef:
    """A CREATE FUNCTION / PROCEDURE signature: what a call takes and gives."""

    name: str
    schema: str | None
    args: list[FuncArg]
    returns: ir.ValueType | None  # None: void, trigger or a procedure
    columns: list[tuple[str, ir.ValueType]] = field(default_factory=list)  # RETURNS TABLE / OUT arguments
    required: tuple[str, ...] = ()  # columns NOT NULL in the table whose rows it returns
    setof: bool = False
    strict: bool = False
    procedure: bool = False

    @property
    def inputs(self) -> list[FuncArg]:
        return [a for a in self.args if a.mode != "OUT"]


def parse_function(types: TypeReader, cur: Cursor, procedure: bool) -> FuncDef:
    """name(args) [RETURNS type | SETOF type | TABLE (cols)] options... AS body."""
    schema, name, offset = cur.qualified_name("function name")
    start, end = cur.balanced()
    args = [_argument(types, part) for part in split_top_level(cur, cur.text[start:end])]
    # An unqualified one goes where the search_path says (public's is None, as a call names it).
    func = FuncDef(name, state_schema(types.state.creation_schema(schema, offset)), args, None,
                   procedure=procedure)
    if cur.accept("RETURNS"):
        if cur.accept("TABLE"):
            start, end = cur.balanced()
            for part in split_top_level(cur, cur.text[start:end]):
                col_cur = Cursor(part, cur.engine)
                col_name, _ = col_cur.name("column name")
                func.columns.append((col_name, types.value_type(read_type(col_cur, set()))))
            func.setof = True
        else:
            func.setof = cur.accept("SETOF")
            declared = read_type(cur, _FUNCTION_OPTIONS)
            row = _row_type(types, declared)
            if row is not None:  # RETURNS [SETOF] a table's or a composite type's rows
                func.columns, func.required = row
            elif normalise(declared)[0] not in ("void", "trigger", "event_trigger", "record"):
                func.returns = types.value_type(declared)
    outs = [a for a in args if a.mode in ("OUT", "INOUT")]
    if outs and func.returns is None and not func.columns:
        func.columns = [(a.name or f"column{i + 1}", a.type) for i, a in enumerate(outs)]
    # Options are single lexemes apart from the body, which lexes as one string.
    words = [x.text.upper() for x in cur.items[cur.pos:] if x.kind == "word"]
    func.strict = "STRICT" in words or any(words[i:i + 4] == ["RETURNS", "NULL", "ON", "NULL"]
                                           for i in range(len(words)))
    cur.pos = len(cur.items)
    return func


def _row_type(types: TypeReader, declared: str) -> tuple[list[tuple[str, ir.ValueType]], tuple[str, ...]] | None:
    name, dims = normalise(declared)
    schema, _, bare = name.rpartition(".")
    qualifier, bare = schema.strip('"') or None, bare.strip('"')
    if dims:
        return None
    key = types.state.resolve(qualifier, bare, types.composites)
    if key is not None and key in types.composites:
        return list(types.composites[key]), ()
    table = types.state.find(qualifier, bare)  # a table's row type, found as the search_path finds it
    if table is None or table.is_view and table.view_select is not None:
        return None
    return [(c.name, c.type) for c in table.columns], tuple(c.name for c in table.columns if c.not_null)


def _argument(types: TypeReader, text: str) -> FuncArg:
    """[mode] [name] type [DEFAULT expr | = expr]; the name is left out when the whole is a type."""
    cur = Cursor(text, types.state.engine)
    mode = "IN"
    if cur.is_word(*_ARG_MODES) and len(cur.items) > 1:
        mode = cur.next().text.upper()
    rest = cur.items[cur.pos:]
    cut = next((i for i, x in enumerate(rest) if (x.kind == "word" and x.text.upper() == "DEFAULT")
                or (x.kind == "punct" and x.text == "=")), len(rest))
    has_default = cut < len(rest)
    rest = rest[:cut]
    if not rest:
        raise Located("expected an argument type", 0)
    whole = text[rest[0].start:rest[-1].end]
    name = None
    if len(rest) > 1 and rest[0].kind in ("word", "ident") and normalise(whole)[0] not in TYPES:
        name = unquote(rest[0])
        whole = text[rest[1].start:rest[-1].end]
    return FuncArg(name, types.value_type(whole), mode, has_default)


def read_type(cur: Cursor, stops: set[str]) -> str:
    """A type name as written, up to a stop word, a string (the body) or the end."""
    first = cur.peek()
    if first is None:
        raise Located("expected a type name", cur.offset())
    last = first
    while (lx := cur.peek()) is not None and not (lx.kind == "word" and lx.text.upper() in stops and lx is not first) \
            and lx.kind not in ("string", "dollar") and not (lx.kind == "punct" and lx.text == ";"):
        if lx.kind == "punct" and lx.text == "(":
            cur.balanced()
            last = cur.items[cur.pos - 1]
            continue
        last = lx
        cur.pos += 1
    return cur.text[first.start:last.end]


def split_top_level(outer: Cursor, text: str) -> list[str]:
    """Comma-separated parts of text (a span of outer's statement) outside parentheses."""
    parts, depth, start = [], 0, 0
    for lx in Cursor(text, outer.engine).items:
        if lx.kind != "punct":
            continue
        if lx.text in "([":
            depth += 1
        elif lx.text in ")]":
            depth -= 1
        elif lx.text == "," and depth == 0:
            parts.append(text[start:lx.start].strip())
            start = lx.end
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def state_schema(schema: str | None) -> str | None:
    """A function's schema as a call names it (functions.call_schema): folded by the cursor
    already, None for public."""
    return None if schema is None or schema == "public" else schema
