"""The IR as flat, ready-to-print view models for the templates.

Every decision about Python code (names, annotations, imports, how a value
is converted or a row read) is made here, so templates only print strings.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from .. import ir
from ..placeholders import quote_identifier
from . import counting, naming, rowstyle
from .shapes import Arg, Field, Function, ModelsModule, QueryModule, RowClass, docstring
from .typemap import annotation, py_type, read_annotation

if TYPE_CHECKING:
    from ..engines import EngineTraits


def _string_literal(text: str) -> str:
    """A one-line, double-quoted Python literal, as the templates write their other strings."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sql_literal(sql: str) -> str:
    """The SQL as a Python literal that holds it byte for byte: a readable triple-quoted string
    when its text survives as source (Python reads a CR in source as a line break, and the
    rendered files lose trailing spaces), else repr."""
    lines = sql.split("\n")
    readable = all(line.isprintable() or line.replace("\t", " ").isprintable() for line in lines) and \
        all(line == line.rstrip() for line in lines)
    if readable and '"""' not in sql and "\\" not in sql and not sql.endswith('"'):
        return '"""' + sql + '"""'
    return repr(sql)


def _row_class(name: str, doc: str, fields: list[Field], rows: str, imports: set[str]) -> RowClass:
    """A row class in the configured style; adds what its class line and body name to imports."""
    shape = rowstyle.class_shape(rows, [f.name for f in fields], {f.name: f.key for f in fields if f.key},
                                 binary=any(re.search(r"\bbytes\b", f.annotation) for f in fields),
                                 floats=any(re.search(r"\bfloat\b", f.annotation) for f in fields))
    imports |= shape.imports
    return RowClass(name, doc, fields, shape.base, shape.body, shape.after)


def _style_fields(columns: list[str], rows: str) -> list[tuple[str, str]]:
    """(field name, JSON key or '') per column."""
    return rowstyle.field_names(columns, rows)


def models_module(catalog: ir.Catalog, engine: "EngineTraits", rows: str = rowstyle.MODEL) -> ModelsModule:
    imports: set[str] = {"typing"}
    models = []
    # A table of another schema than the default is named with its schema first (auth.users ->
    # AuthUser), as sqlc names it: the name does not depend on which other tables exist.
    names = naming.model_names([f"{t.schema}_{t.name}" if t.schema else t.name for t in catalog.tables])
    names = naming.unique(names, {naming.composite_class(c.identity).lower() for c in catalog.composites})
    mapping: dict[str, str] = {}
    for composite in catalog.composites:
        models.append(_composite_class(composite, engine, imports))
    for table, name in zip(catalog.tables, names):
        mapping[table.key] = name
        fields = []
        for col, (fname, key) in zip(table.columns, _style_fields([c.name for c in table.columns], rows)):
            t, nullable = col.type, col.nullable
            imports |= _read_imports(t, engine) - {"models"}
            fields.append(Field(fname, read_annotation(t, nullable, engine, ""), col.name,
                                rowstyle.field_default(rows, key), key))
        kind = "view" if table.is_view else "table"
        qualified = f"{table.schema}.{table.name}" if table.schema else table.name
        models.append(_row_class(name, docstring(f"A row of the {kind} {qualified}."), fields, rows, imports))
    return ModelsModule(sorted(imports), models, mapping, rows)


# How a composite's field is read from its text and written back (_runtime.Composite.sql_fields):
# by the kinds pydantic does not take from text itself; a field of a type neither reads is its text.
_FIELD_KINDS = {ir.JSON: "json", ir.JSON_TEXT: "json", ir.BYTES: "bytes", ir.DATETIME: "datetime", ir.DATETIME_TZ: "datetime"}
_FROM_TEXT = {ir.INT, ir.FLOAT, ir.DECIMAL, ir.STR, ir.BOOL, ir.DATE, ir.UUID, ir.TIME, *_FIELD_KINDS}
_ITEMS_FROM_TEXT = {ir.INT, ir.FLOAT, ir.DECIMAL, ir.STR, ir.BOOL, ir.DATE, ir.UUID}


def _composite_field(t: ir.ValueType, engine: "EngineTraits") -> tuple[ir.ValueType, str]:
    """A composite field's value type in its class, and its kind: its text (a str) where the
    text is not read here (an interval, a multirange, an inet, a 2-D array: PostgreSQL's own forms)."""
    if t.override is None and t.model is None:
        if not t.dims and py_type(t, engine).annotation.startswith("psycopg.types.range.Range["):
            return t, "range"  # _runtime.RANGE reads a range's text
        if t.dims == 1 and (t.composite or t.enum or t.base in _ITEMS_FROM_TEXT):
            return replace(t, nullable_elements=True), "array"  # nothing keeps a NULL item out
        if not t.dims and (t.composite or t.base in _FROM_TEXT):
            return t, _FIELD_KINDS.get(t.base, "")
    return ir.ValueType(ir.STR), ""


def _composite_class(composite: ir.Composite, engine: "EngineTraits", imports: set[str]) -> RowClass:
    """The class of a composite type's values: a frozen model of its fields, all nullable."""
    name = naming.composite_class(composite.identity)
    fields, kinds = [], []
    for col, (fname, key) in zip(composite.fields, _style_fields([c.name for c in composite.fields], rowstyle.MODEL)):
        t, kind = _composite_field(col.type, engine)
        imports |= _read_imports(t, engine) - {"models"}
        fields.append(Field(fname, read_annotation(t, True, engine, ""), col.name,
                            rowstyle.field_default(rowstyle.MODEL, key), key))
        kinds.append((fname, kind))
    qualified = f"{composite.schema}.{composite.name}" if composite.schema else composite.name
    row = _row_class(name, docstring(f"A value of the composite type {qualified}."), fields, rowstyle.MODEL, imports)
    row.base = "_runtime.Composite"
    row.body = (*row.body, f"sql_fields: typing.ClassVar[tuple[tuple[str, str], ...]] = {tuple(kinds)!r}")
    imports.add("typing")
    return row


def _column_type(col: ir.ResultColumn) -> tuple[ir.ValueType, bool]:
    return col.type, col.nullable


def table_model(query: ir.Query, catalog: ir.Catalog, models: ModelsModule) -> str | None:
    """The table model a result is exactly (every column, in order, same nullability), if any."""
    tables = {c.table.lower() for c in query.columns if c.table}
    if len(tables) != 1 or any(c.table is None or c.embed for c in query.columns):
        return None
    name = tables.pop()
    table = next((t for t in catalog.tables if t.key == name), None)
    if table is None or len(table.columns) != len(query.columns):
        return None
    for rc, tc in zip(query.columns, table.columns):
        if rc.name != tc.name or rc.nullable != tc.nullable or rc.type != tc.type:
            return None
    return models.model_of_table.get(name)


def query_module(qfile: ir.QueryFile, catalog: ir.Catalog, engine: "EngineTraits", models: ModelsModule) -> QueryModule:
    imports: set[str] = {engine.driver_module}
    row_classes: list[RowClass] = []
    readers: dict[str, str] = {}
    functions = []
    func_names = naming.unique([naming.snake(q.name) for q in qfile.queries])
    class_names = naming.unique([naming.pascal(q.name) + "Row" for q in qfile.queries],
                                {m.name.lower() for m in models.models})
    # The module's SQL constants, which function bodies read by name: no argument may shadow one
    # (other module-level names a body reads start with "_", which no argument does).
    body_names = frozenset(naming.constant(q.name) + suffix for q in qfile.queries
                           for suffix in ("", "_SORTS", "_PIECES", "_VARIANTS"))
    for query, func_name, class_name in zip(qfile.queries, func_names, class_names):
        fn, classes, reader, used = _function(query, func_name, class_name, catalog, engine, models, body_names)
        imports |= used
        row_classes += classes
        if reader is not None:
            readers.setdefault(reader[0], reader[1])
        functions.append(fn)
    if readers or (functions and "_runtime." in engine.execute_call):
        imports.add("_runtime")
    imported_names = {m for m in imports} | {"_sync"}
    for fn in functions:
        fn.name = naming.function_name(fn.name, imported_names)
    return QueryModule(naming.module_name(qfile.stem), qfile.path, sorted(imports), row_classes,
                       sorted(readers.items()), functions)


def _function(query: ir.Query, func_name: str, class_name: str, catalog: ir.Catalog, engine: "EngineTraits",
              models: ModelsModule, body_names: frozenset[str]) -> tuple[Function, list[RowClass], tuple[str, str] | None, set[str]]:
    used: set[str] = set()
    arg_names = naming.argument_names([p.name for p in query.params], body_names)
    args, values = [], []
    slices = []
    converters = []  # per param: how to convert a variable holding it
    for param, arg in zip(query.params, arg_names):
        t, nullable = param.type, param.nullable
        pt = py_type(t, engine)
        used |= pt.imports
        ann = annotation(t, nullable, engine)
        if param.slice:
            ann = f"typing.Sequence[{ann}]"
            used.add("typing")
            conv = _convert(pt.to_db_for(nullable), nullable, "_v") if pt.to_db else None
            values.append(f"*({conv} for _v in {arg})" if conv else f"*{arg}")
            slices.append((f"/*SLICE:{query.params.index(param)}*/", arg, _string_literal(engine.empty_slice(t, catalog))))
            used.add("_runtime")
        else:
            values.append(_convert(pt.to_db_for(nullable), nullable, arg))
        converters.append((pt.to_db_for(nullable), nullable))
        if pt.to_db and "_runtime." in pt.to_db:
            used.add("_runtime")
        args.append(Arg(arg, ann, values[-1]))
    bound = [values[index] for index in query.slots]
    bind = f"({bound[0]},)" if len(bound) == 1 else "(" + ", ".join(bound) + ")"
    row_class, reader, returns, layout = None, None, "None", None
    if query.command == "copyfrom":
        return _copyfrom(query, func_name, class_name, args, converters, used, engine)
    if query.command in ("one", "many", "batchone", "batchmany"):
        row_class, reader, element, layout, more = _result(query, class_name, catalog, engine, models)
        used |= more
        if query.command.endswith("many"):
            returns = f"list[{element}]"
        elif query.always_one_row or element.endswith("| None") or element == "typing.Any":
            returns = element
        else:
            returns = f"{element} | None"
    elif query.command == "execrows":
        returns = "int"
        if engine.pipeline_mode:  # _runtime.rowcount waits for the count
            used.add("_runtime")
    elif query.command == "execlastid":
        returns = "int | None"
        used.add("_runtime")
    elif query.command == "execresult":
        returns = "_runtime.ExecResult"
        used.add("_runtime")
    fn = Function(func_name, naming.constant(query.name), sql_literal(query.sql), query.doc, query.command,
                  args, bind, bound, slices, returns, query.always_one_row, reader[0] if reader else None, layout,
                  inserts_rows=query.inserts_rows and engine.counts_inserted_rows,
                  row_factory=query.command == "many" and not layout and reader is not None
                  and rowstyle.has_row_factory(reader[1]))
    fn.drain, fn.count_changes, fn.count_rows = counting.how_counted(query, engine)
    fn.begin_implicit = counting.opens_transaction(query, engine)
    if fn.count_changes or fn.begin_implicit:
        used.add("_runtime")
    classes = [row_class] if row_class is not None else []
    if query.dynamic:
        _dynamic(fn, query, body_names)
        used |= {"_runtime", "typing"} if query.sort_choices else {"_runtime"}
    if query.command.startswith("batch"):
        params = _params_class(query, class_name, args, used, engine)
        fn.args = [Arg("params", f"typing.Iterable[{params.name}]", "params")]
        fn.copy_row = _item_bind(query, args, converters)
        fn.returns = "None" if query.command == "batchexec" else f"list[{returns}]"
        fn.batch_loop = engine.batches_in_python and (query.command != "batchexec" or bool(query.columns))
        # Result sets per item (PostgreSQL) are read through _runtime.
        reads_sets = not engine.batches_in_python and query.command != "batchexec"
        used |= {"typing", "_runtime"} if reads_sets else {"typing"}
        classes.insert(0, params)
    return fn, classes, reader, used


def _dynamic(fn: Function, query: ir.Query, body_names: frozenset[str]) -> None:
    """sqlc.optional: the pieces constant, the mask of set arguments, arguments defaulting to None."""
    fn.pieces = pieces_literal(query.dynamic)
    if query.sort_choices:
        values = ", ".join(_string_literal(v) for v, _ in query.sort_choices)
        name = naming.argument_names([p.name for p in query.params] + [query.sort_param], body_names)[-1]
        fn.sort_arg = Arg(name, f"typing.Literal[{values}]", name, f" = {_string_literal(query.sort_choices[0][0])}")
        fn.sorts = "{\n" + "".join(f"    {_string_literal(v)}: {_string_literal(t)},\n"
                                   for v, t in query.sort_choices) + "}"
    if not any(p.optional >= 0 for p in query.params):
        return  # the static binding: a sort moves no parameter, and sqlc.slice lists expand in place
    fn.mask = "(" + " | ".join(f"(0 if {fn.args[i].name} is None else {1 << p.optional})"
                         for i, p in enumerate(query.params) if p.optional >= 0) + ")"
    for arg, param in zip(fn.args, query.params):
        if param.optional >= 0:
            arg.default = " = None"
    fn.bind = "_params"


def pieces_literal(pieces: tuple[ir.DynamicPiece, ...]) -> str:
    """The pieces as a Python literal, one piece (and one conjunct) a line."""
    def slots(s: tuple[int, ...]) -> str:
        return "(" + ", ".join(map(str, s)) + ("," if len(s) == 1 else "") + ")"

    lines = ["("]
    for p in pieces:
        if not p.keyword:
            lines.append(f"    ({sql_literal(p.text)}, {slots(p.slots)}, \"\", \"\", (), {slots(p.needed)}),")
            continue
        lines.append(f"    (\"\", (), {sql_literal(p.keyword)}, {sql_literal(p.fallback)}, (")
        lines += [f"        ({sql_literal(c.text)}, {c.requires}, {slots(c.slots)})," for c in p.conjuncts]
        lines.append(f"    ), {slots(p.needed)}),")
    return "\n".join(lines + [")"])


def _result(query: ir.Query, class_name: str, catalog: ir.Catalog, engine: "EngineTraits", models: ModelsModule
            ) -> tuple[RowClass | None, tuple[str, str], str, str | None, set[str]]:
    used: set[str] = set()
    model = table_model(query, catalog, models)
    if model is not None:
        used.add("models")
        reader = rowstyle.reader(f"models.{model}", models.rows, engine.typed_results)
        return None, (f"_{naming.constant(model)}_ROWS", reader), f"models.{model}", None, used
    if len(query.columns) == 1 and not query.columns[0].embed:
        col = query.columns[0]
        t, nullable = _column_type(col)
        used |= _read_imports(t, engine)
        ann, read = annotation(t, nullable, engine), read_annotation(t, nullable, engine)
        name = f"_{naming.constant(query.name)}_VALUES"
        return None, (name, f"_runtime.Values[{ann}]({read}, {col.name!r})"), ann, None, used
    fields, layout, position = [], [], 0
    for col, (fname, key) in zip(query.columns, _style_fields([c.name for c in query.columns], models.rows)):
        if col.embed:
            model_name = models.model_of_table[col.embed.lower()]
            table = next(t for t in catalog.tables if t.key == col.embed.lower())
            width = len(table.columns)
            ann = f"models.{model_name}" + (" | None" if col.nullable else "")
            used.add("models")
            layout.append(f"({position}, {width}, {col.nullable})")
            position += width
        else:
            t, nullable = _column_type(col)
            used |= _read_imports(t, engine)
            ann = read_annotation(t, nullable, engine)
            layout.append(f"({position}, 0, False)")
            position += 1
        fields.append(Field(fname, ann, col.name, rowstyle.field_default(models.rows, key), key))
    used.add("typing")
    nest = "(" + ", ".join(layout) + ",)" if any(c.embed for c in query.columns) else None
    row = _row_class(class_name, docstring(f"A row returned by {query.name}."), fields, models.rows, used)
    return row, (f"_{naming.constant(class_name)}_ROWS", rowstyle.reader(class_name, models.rows, engine.typed_results)), class_name, nest,\
        used


def _read_imports(t: ir.ValueType, engine: "EngineTraits") -> set[str]:
    """What a row field of type t names: its type's modules, and _runtime for a reader."""
    pt = py_type(t, engine)
    return set(pt.imports) | ({"typing", "_runtime"} if pt.reader or pt.read else set())


def _convert(to_db: str | None, nullable: bool, var: str) -> str:
    """The expression binding variable `var`: converted for the driver when its type needs it."""
    if not to_db:
        return var
    conv = to_db.format(v=var)
    return f"None if {var} is None else {conv}" if nullable else conv


def _copyfrom(query: ir.Query, func_name: str, class_name: str, args: list[Arg],
              converters: list[tuple[str | None, bool]], used: set[str], engine: "EngineTraits"
              ) -> tuple[Function, list[RowClass], tuple[str, str] | None, set[str]]:
    """Bulk insert: one argument, an iterable of parameter rows; COPY on PostgreSQL, executemany on SQLite."""
    row = _params_class(query, class_name, args, used, engine)
    table = _ident(query.insert_table or "")
    if query.insert_schema:
        table = f"{_ident(query.insert_schema)}.{table}"
    copy_sql = f"COPY {table} ({', '.join(_ident(c) for c in query.insert_columns)}) FROM STDIN"
    used |= {"typing"}
    fn = Function(func_name, naming.constant(query.name), sql_literal(query.sql), query.doc, "copyfrom",
                  [Arg("rows", f"typing.Iterable[{row.name}]", "rows")], "()", [], [], "int", False, None, None,
                  _item_bind(query, args, converters),
                  sql_literal(copy_sql) if engine.copy_from_stdin and query.insert_columns else "")
    fn.drain, fn.count_changes, _ = counting.how_counted(query, engine)
    fn.begin_implicit = counting.opens_transaction(query, engine)
    if fn.count_changes or fn.begin_implicit or engine.pipeline_mode:  # _runtime.in_pipeline
        used.add("_runtime")
    return fn, [row], None, used


def _params_class(query: ir.Query, class_name: str, args: list[Arg], used: set[str], engine: "EngineTraits"
                  ) -> RowClass:
    """The arguments of one call of a bulk query (:copyfrom, :batch*) as a named tuple. A web app
    takes a list of them as a request body, so each is what a row is there: the tuple row's hook
    makes it read and write (and document) the JSON object a tuple row does (bytes as base64,
    keyed by name; a renamed argument, `class` -> `class_`, by its parameter's name), not
    pydantic's array of a NamedTuple; and its fields are typed as a row's (a Decimal takes NaN and
    infinities, which the column holds and a row of it answers; the readers of what the driver
    returns act on database rows only). mypy sees the argument's own type."""
    fields = [Field(a.name, read_annotation(p.type, p.nullable, engine), a.name, key=p.name if p.name != a.name else "")
              for a, p in zip(args, query.params)]
    for p in query.params:
        used |= _read_imports(p.type, engine)
    shape = rowstyle.class_shape(rowstyle.TUPLE, [f.name for f in fields], {f.name: f.key for f in fields if f.key})
    used |= shape.imports
    return RowClass(class_name[: -len("Row")] + "Params", docstring(f"One set of arguments for {query.name}."), fields,
                    shape.base, shape.body, shape.after)


def _item_bind(query: ir.Query, args: list[Arg], converters: list[tuple[str | None, bool]]) -> str:
    """The tuple bound for one item `_r` of a bulk query's iterable: `_r` itself when it already is."""
    converted = [_convert(*converters[i], f"_r.{args[i].name}") for i in query.slots]
    plain = all(v == f"_r.{args[i].name}" for v, i in zip(converted, query.slots)) and \
        list(query.slots) == list(range(len(args)))
    return "_r" if plain else (f"({converted[0]},)" if len(converted) == 1 else "(" + ", ".join(converted) + ")")


def _ident(name: str) -> str:
    """A name as PostgreSQL reads it back: quoted unless plain lower case and not a reserved word
    (COPY t (id, user) is a syntax error; COPY t (id, "user") is not)."""
    return quote_identifier(name)
