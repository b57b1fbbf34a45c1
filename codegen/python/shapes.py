"""The printable shapes the templates read: row classes, functions and modules, every value in
them already a string of Python (codegen/python/view.py builds them from the IR)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import rowstyle


@dataclass
class Field:
    name: str
    annotation: str
    column: str
    default: str = ""  # printed after the annotation (a renamed model field's alias)
    key: str = ""  # a renamed field's JSON key (its column's name), else ""


@dataclass
class RowClass:
    name: str
    doc: str
    fields: list[Field]
    base: str = "typing.NamedTuple"
    body: tuple[str, ...] = ()  # lines before the fields (model_config)
    after: tuple[str, ...] = ()  # lines after the fields (a tuple row's schema hook)


@dataclass
class Arg:
    name: str
    annotation: str
    value: str  # the expression bound for it
    default: str = ""  # " = None" for a sqlc.optional argument


@dataclass
class Function:
    name: str
    const: str
    sql_literal: str
    doc: str
    command: str
    args: list[Arg]
    bind: str  # tuple expression of bound values in slot order
    bind_values: list[str]
    slices: list[tuple[str, str, str]]  # (marker, argument name, literal of the SQL for an empty list)
    returns: str
    always_one_row: bool
    reader: str | None  # module-level reader object name
    nest_layout: str | None  # for sqlc.embed rows
    copy_row: str = ""  # :copyfrom, :batch*: the tuple bound for one item `_r` of the iterable
    copy_sql: str = ""  # :copyfrom on PostgreSQL: the COPY statement
    # :batch* on SQLite, one execute() per item: results to read, or rows executemany() refuses
    batch_loop: bool = False
    inserts_rows: bool = False  # :execlastid / :execresult: the last rowid is this statement's (ir.Query)
    # :execrows / :execlastid / :execresult / :copyfrom with RETURNING, where the driver counts the
    # changes once the rows are read (SQLite): read them (and drop them) before the count
    drain: bool = False
    # :execrows / :execlastid / :execresult of a writing statement the driver does not count (a
    # WITH in front, on SQLite): the count and last rowid are asked of the database after it
    count_changes: bool = False
    # a writing statement the driver opens no implicit transaction before (a WITH in front, on
    # SQLite): the function opens it (_runtime.begin_implicit), as the driver does for an UPDATE
    begin_implicit: bool = False
    # :execrows / :execresult of a statement that changes no rows (a SELECT), which the driver does
    # not count (sqlite3: -1): the rows it returned are counted, as PostgreSQL's rowcount does
    count_rows: bool = False
    row_factory: bool = False  # :many: the cursor makes rows with the reader's row factory (TypedRows)
    pieces: str = ""  # sqlc.optional: literal of the statement's pieces (_runtime.Pieces)
    mask: str = ""  # sqlc.optional: the expression of the variant's bitmask (a bit per argument set)
    sort_arg: Arg | None = None  # sqlc.sort: the argument choosing the order
    sorts: str = ""  # sqlc.sort: literal of the {value: ORDER BY text} dict

    def prelude(self, module: str = "") -> list[str]:
        """Lines choosing a dynamic query's variant (`module` names the sync module from the async one)."""
        if not self.pieces:
            return []
        values = ", ".join(a.value for a in self.args) + ("," if len(self.args) == 1 else "")
        order = f'_runtime.sort_text({module}{self.const}_SORTS, {self.sort_arg.name}, "{self.sort_arg.name}")' \
            if self.sort_arg else '""'
        chosen = [f"_mask = {self.mask or 0}",
                  f"_order = {order}",
                  f"_sql, _slots = _runtime.variant({module}{self.const}_PIECES, {module}{self.const}_VARIANTS, "
                  "_mask, _order)"]
        if not self.mask:  # only a sort: every parameter is sent, in the statement's order (slices expanded)
            return chosen
        return chosen + [f"_values = ({values})", "_params = [_values[_i] for _i in _slots]"]

    @property
    def doc_literal(self) -> str:
        return docstring(self.doc)

    def local_returns(self, qualify: tuple[str, ...] = ()) -> str:
        """The return annotation, row classes of the sync module named `_sync.X` from the async one."""
        return qualified(self.returns, qualify)

    # How a :batchone / :batchmany body turns fetched rows into results; `reader` is the reader
    # object's name as the module sees it (`_sync.X` from the async one).
    def read_one(self, row: str, reader: str) -> str:
        nested = f"_runtime.nest({row}, {self.nest_layout})" if self.nest_layout else row
        read = f"{reader}.one({nested})"
        return read if self.always_one_row else f"None if {row} is None else {read}"

    def read_many(self, rows: str, reader: str) -> str:
        if self.nest_layout:
            return f"{reader}.many([_runtime.nest(_row, {self.nest_layout}) for _row in {rows}])"
        return f"{reader}.many({rows})"

    @property
    def items(self) -> str:
        """A bulk query's iterable, each item as the tuple to bind."""
        return "params" if self.copy_row == "_r" else f"[{self.copy_row} for _r in params]"

    def signature(self, conn_type: str, prefix: str = "", qualify: tuple[str, ...] = ()) -> str:
        """The def line, one argument per line when it would be too long to read.

        qualify: row classes of the sync module, named `_sync.X` from the async one.
        """
        def q(annotation: str) -> str:
            return qualified(annotation, qualify)

        bulk = self.command == "copyfrom" or self.command.startswith("batch")  # one positional iterable
        keyword_only = ["*"] if self.args and not bulk else []
        parts = [f"conn: {conn_type}"] + keyword_only + [f"{a.name}: {q(a.annotation)}{a.default}" for a in self.args] + \
            ([f"{self.sort_arg.name}: {self.sort_arg.annotation}{self.sort_arg.default}"] if self.sort_arg else [])
        returns = q(self.returns)
        line = f"{prefix}def {self.name}({', '.join(parts)}) -> {returns}:"
        if len(line) <= 110:
            return line
        inner = "".join(f"    {p},\n" for p in parts)
        return f"{prefix}def {self.name}(\n{inner}) -> {returns}:"

    @property
    def bind_block(self) -> str:
        """A `_params = (...)` statement when the bound tuple is too long for one line, else ''.

        Bulk commands bind one tuple per item (`copy_row`), never this one."""
        if len(self.bind) <= 70 or self.command == "copyfrom" or self.command.startswith("batch"):
            return ""
        values = [v for v in self.bind_values]
        return "_params = (\n" + "".join(f"        {v},\n" for v in values) + "    )"

    @property
    def job_call(self) -> str:
        """The body of an async function that runs its sync twin as one job (aiosqlite): its
        arguments passed on by name; a bulk iterable as a list, read on the caller's thread (a
        generator may read objects bound to it, another sqlite3 connection)."""
        bulk = self.command == "copyfrom" or self.command.startswith("batch")
        names = [a.name for a in self.args] + ([self.sort_arg.name] if self.sort_arg else [])
        parts = ["conn", f"_sync.{self.name}"] + [f"{n}=list({n})" if bulk else f"{n}={n}" for n in names]
        line = f"return await _runtime.job_async({', '.join(parts)})"
        if len(line) <= 106:  # indented, within the 110 columns signature() keeps to
            return line
        return "return await _runtime.job_async(\n" + "".join(f"        {p},\n" for p in parts) + "    )"

    @property
    def bind_ref(self) -> str:
        return "_params" if self.bind_block else self.bind


def qualified(annotation: str, names: tuple[str, ...]) -> str:
    for name in names:
        annotation = re.sub(rf"(?<![\w.]){name}\b", f"_sync.{name}", annotation)
    return annotation


@dataclass
class QueryModule:
    module: str
    source: str
    imports: list[str]
    row_classes: list[RowClass]
    readers: list[tuple[str, str]]  # (name, constructor expression)
    functions: list[Function]


@dataclass
class ModelsModule:
    imports: list[str]
    models: list[RowClass]
    model_of_table: dict[str, str] = field(default_factory=dict)
    rows: str = rowstyle.MODEL  # the row style: rowstyle.MODEL or rowstyle.TUPLE


def docstring(text: str) -> str:
    """A docstring literal that is safe whatever the SQL comment said."""
    body = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if body.endswith('"'):
        body += " "
    lines = body.split("\n")
    return '"""' + "\n".join([lines[0]] + [("    " + line) if line.strip() else "" for line in lines[1:]]) + '"""'
