"""Find query parameters in SQL text and rewrite them for parsing and for sending.

sqlglot understands none of `?NNN`, `$name`, `@name` (in SQLite) or
`sqlc.arg(name)` the way SQLite and sqlc do, so parameters are found
lexically first. For analysis each one becomes a named placeholder
`:__pN` that sqlglot parses everywhere; for execution each one becomes the
driver's positional marker, in text order, with the list of which parameter
fills which slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import Located
from .sqltext import Lexeme, lex

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .engines import EngineTraits

PLACEHOLDER = "__p"
SLICE_MARK = "/*SLICE:{name}*/"
_SQLC = re.compile(r"sqlc\s*\.\s*(arg|narg|slice|embed|optional)\s*\(\s*(?:'([^']*)'|\"([^\"]*)\"|([A-Za-z_]\w*))\s*\)",
                   re.IGNORECASE)


@dataclass
class ParamSpec:
    """One distinct parameter of a query (several occurrences may share it)."""

    index: int  # 0-based, in the order of the generated function's arguments
    name: str | None  # explicit name, or None for ? / ?NNN / $N
    number: int | None  # explicit or implied SQLite parameter number
    nullable: bool = False  # sqlc.narg
    slice: bool = False  # sqlc.slice
    optional: bool = False  # sqlc.optional: its predicate is left out when the argument is None
    offsets: list[int] = field(default_factory=list)  # in the original statement text


@dataclass(frozen=True)
class Occurrence:
    start: int
    end: int
    param: int | None  # index into params, None for sqlc.embed
    embed: str | None = None
    wrap: bool = False  # `IN sqlc.slice(x)` written without parentheses: add them


@dataclass
class Scan:
    params: list[ParamSpec]
    occurrences: list[Occurrence]
    embeds: list[str]


_HIGHEST = 32766  # SQLite's highest ?NNN (SQLITE_MAX_VARIABLE_NUMBER); PostgreSQL takes no more binds either


def _number(digits: str) -> int:
    """A parameter's number, capped just past the highest one a database takes: int() of a number
    of thousands of digits raises (Python's guard against quadratic conversion), and it is out of
    range however it reads."""
    significant = digits.lstrip("0") or "0"
    return int(significant) if len(significant) <= len(str(_HIGHEST)) else _HIGHEST + 1


def scan(text: str, engine: "EngineTraits") -> Scan:
    lexemes = lex(text, engine)
    by_key: dict[tuple[str, object], ParamSpec] = {}
    occurrences: list[Occurrence] = []
    embeds: list[str] = []
    highest = 0
    # PostgreSQL (like sqlc): named parameters are numbered after every $N, in order of appearance.
    named_next = 1 + max((_number(lexemes[i + 1].text) for i, lx in enumerate(lexemes[:-1])
                          if engine.names_numbered_last and lx.text == "$" and lexemes[i + 1].kind == "number"
                          and lexemes[i + 1].start == lx.end and lexemes[i + 1].text.isdigit()), default=0)
    i = 0
    while i < len(lexemes):
        found = _match(text, lexemes, i, engine)
        if found is None:
            i += 1
            continue
        kind, value, end, consumed = found
        start = lexemes[i].start
        if kind == "embed":
            embeds.append(str(value))
            occurrences.append(Occurrence(start, end, None, str(value)))
            i += consumed
            continue
        if kind == "anon":
            highest += 1
            key: tuple[str, object] = ("num", highest)
        elif kind == "num":
            assert isinstance(value, int)
            if value < 1 or value > _HIGHEST:
                digits = text[start + 1:end]
                shown = digits if len(digits) <= 12 else f"{digits[:12]}... ({len(digits)} digits)"
                raise Located(f"parameter number {shown} is out of range (1 to {_HIGHEST})", start)
            highest = max(highest, value)
            key = ("num", value)
        else:
            key = ("name", str(value).lower())
        spec = by_key.get(key)
        if spec is None:
            number = key[1] if key[0] == "num" else None
            if number is None and engine.names_numbered_last:
                number, named_next = named_next, named_next + 1
            elif number is None:
                highest += 1
                number = highest
            spec = ParamSpec(len(by_key), None if key[0] == "num" else str(value), int(number))  # type: ignore[call-overload]
            by_key[key] = spec
        if kind in ("narg", "slice", "optional"):
            spec.nullable |= kind in ("narg", "optional")
            spec.optional |= kind == "optional"
            spec.slice |= kind == "slice"
        spec.offsets.append(start)
        occurrences.append(Occurrence(start, end, spec.index, wrap=kind == "slice" and _after_in(lexemes, i)))
        i += consumed
    params = sorted(by_key.values(), key=lambda p: p.number or 0)
    renumber = {p.index: n for n, p in enumerate(params)}
    for n, p in enumerate(params):
        p.index = n
    occurrences = [Occurrence(o.start, o.end, renumber[o.param] if o.param is not None else None, o.embed, o.wrap)
                   for o in occurrences]
    return Scan(params, occurrences, embeds)


def _operand_expected(lx: list[Lexeme], i: int) -> bool:
    """Whether lx[i] stands where an operand goes: at the start, or after an operator, a comma,
    an opening bracket or a keyword (not after a name, a literal or a closing bracket)."""
    for prev in reversed(lx[:i]):
        if prev.kind in ("ws", "line_comment", "block_comment"):
            continue
        if prev.kind in ("ident", "string", "dollar", "number"):
            return False
        if prev.kind == "word":
            return prev.text.lower() in _KEYWORDS_BEFORE_OPERAND
        return prev.text not in (")", "]")
    return True


_KEYWORDS_BEFORE_OPERAND = {"select", "where", "and", "or", "not", "set", "values", "limit", "offset", "then",
                            "else", "when", "in", "by", "like", "ilike", "is", "between", "case", "on", "having",
                            "returning", "distinct", "any", "all", "some", "array", "return", "using", "as"}


def _after_in(lx: list[Lexeme], i: int) -> bool:
    """Whether the lexeme before lx[i] (comments and spaces aside) is the keyword IN."""
    for prev in reversed(lx[:i]):
        if prev.kind not in ("ws", "line_comment", "block_comment"):
            return prev.kind == "word" and prev.text.upper() == "IN"
    return False


def _match(text: str, lx: list[Lexeme], i: int, engine: "EngineTraits") -> tuple[str, object, int, int] | None:
    """(kind, name or number, end offset, lexemes consumed) when a parameter starts at lx[i]."""
    cur = lx[i]
    nxt = lx[i + 1] if i + 1 < len(lx) else None
    adjacent = nxt is not None and nxt.start == cur.end
    if cur.kind == "word" and cur.text.lower() == "sqlc":
        m = _SQLC.match(text, cur.start)
        if m:
            name = m.group(2) or m.group(3) or m.group(4)
            consumed = sum(1 for x in lx[i:] if x.start < m.end())
            return m.group(1).lower(), name, m.end(), consumed
        return None
    if cur.kind != "punct":
        return None
    if cur.text == "?" and engine.question_mark_parameters:
        if adjacent and nxt is not None and nxt.kind == "number" and nxt.text.isdigit():
            return "num", _number(nxt.text), nxt.end, 2
        return "anon", None, cur.end, 1
    jsonpath_exists = i > 0 and lx[i - 1].text == "@" and lx[i - 1].end == cur.start  # jsonb @? jsonpath
    if cur.text == "?" and not jsonpath_exists and _operand_expected(lx, i):
        # PostgreSQL's `?` is jsonb's key-exists operator; where an operand is expected it can
        # only be meant as a parameter, which PostgreSQL does not have.
        raise Located("`?` is not a PostgreSQL parameter: write $1, @name or sqlc.arg(name)", cur.start)
    if cur.text == "$" and adjacent and nxt is not None:
        if nxt.kind == "number" and nxt.text.isdigit():
            return "num", _number(nxt.text), nxt.end, 2
        if nxt.kind == "word" and engine.dollar_names:
            return "named", nxt.text, nxt.end, 2
        if nxt.kind == "word":  # PostgreSQL: only $1 or a dollar quote ($tag$...$tag$) begins so
            raise Located(f"`${nxt.text}` is not a parameter here: write $1, @{nxt.text} or sqlc.arg({nxt.text})",
                          cur.start)
    if cur.text == "@" and not engine.at_operators and not (adjacent and nxt is not None
                                                             and nxt.kind in ("word", "number")):
        # sqlglot reads a lone @ as PostgreSQL's absolute value, which the database refuses here
        raise Located("a lone `@`: a named parameter is written @name, with no space", cur.start)
    if cur.text in (":", "@") and adjacent and nxt is not None and nxt.kind == "word":
        prev = lx[i - 1] if i else None
        if cur.text == ":" and prev is not None and prev.end == cur.start and prev.text in (":", "::"):
            return None
        return "named", nxt.text, nxt.end, 2
    return None


@dataclass(frozen=True)
class Rewritten:
    text: str
    edits: tuple[tuple[int, int, int, int], ...]  # (new_start, new_len, old_start, old_len) per replacement

    def original_offset(self, offset: int) -> int:
        """Map an offset in the rewritten text back to the statement as written."""
        shift_from = (0, 0)  # (new offset, old offset) of the last edit's end before `offset`
        for new_start, new_len, old_start, old_len in self.edits:
            if offset < new_start:
                break
            if offset < new_start + new_len:
                return old_start
            shift_from = (new_start + new_len, old_start + old_len)
        return shift_from[1] + offset - shift_from[0]


def for_analysis(text: str, found: Scan, extra: tuple[tuple[int, int, str], ...] = ()) -> Rewritten:
    """Each parameter as `:__pN`, each sqlc.embed(t) as `t.*`; `extra` holds more (start, end,
    replacement) edits, such as SQLite's `REPLACE INTO` spelled the way sqlglot parses it."""
    out: list[str] = []
    edits: list[tuple[int, int, int, int]] = []
    pos = 0
    written = 0  # length of the rewritten text so far
    replacements = [(o.start, o.end, f"{_quote(o.embed)}.*" if o.embed is not None
                     else f"(:{PLACEHOLDER}{o.param})" if o.wrap else f":{PLACEHOLDER}{o.param}")
                    for o in found.occurrences]
    for start, end, repl in sorted(replacements + list(extra)):
        out.append(text[pos:start])
        written += start - pos
        edits.append((written, len(repl), start, end - start))
        out.append(repl)
        written += len(repl)
        pos = end
    out.append(text[pos:])
    return Rewritten("".join(out), tuple(edits))


def _quote(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z_]\w*", name) else '"' + name.replace('"', '""') + '"'


_STAR_BEFORE = {"SELECT", "DISTINCT", "ALL", "RETURNING", ",", "."}
_NEEDS_NO_QUOTES = re.compile(r"^[a-z_][a-z0-9_]*$")
_RESERVED = {"abort", "action", "add", "after", "all", "alter", "analyze", "and", "as", "asc", "attach", "before",
             "begin", "between", "by", "cascade", "case", "cast", "check", "collate", "column", "commit", "conflict",
             "constraint", "create", "cross", "current", "current_date", "current_time", "current_timestamp",
             "default", "deferrable", "delete", "desc", "detach", "distinct", "do", "drop", "each", "else", "end",
             "escape", "except", "exclude", "exists", "explain", "filter", "first", "for", "foreign", "from", "full",
             "glob", "group", "groups", "having", "if", "in", "index", "inner", "insert", "instead", "intersect",
             "into", "is", "isnull", "join", "key", "last", "left", "like", "limit", "match", "natural", "no", "not",
             "nothing", "notnull", "null", "of", "offset", "on", "or", "order", "outer", "over", "partition", "plan",
             "pragma", "primary", "query", "range", "recursive", "references", "regexp", "reindex", "release",
             "rename", "replace", "restrict", "returning", "right", "rollback", "row", "rows", "savepoint", "select",
             "set", "table", "temp", "then", "to", "transaction", "trigger", "union", "unique", "update", "user",
             "using", "vacuum", "values", "view", "virtual", "when", "where", "window", "with", "without",
             # the rest of SQLite's keywords: a column named `raise` or `autoincrement`, written bare in
             # an expanded `SELECT *`, was a syntax error (the others happen to parse, quoted anyway)
             "always", "autoincrement", "database", "deferred", "exclusive", "fail", "following", "generated",
             "ignore", "immediate", "indexed", "materialized", "nulls", "others", "preceding", "raise",
             "temporary", "ties", "unbounded",
             # PostgreSQL's reserved words besides
             "analyse", "any", "array", "asymmetric", "authorization", "binary", "both", "collation",
             "concurrently", "current_catalog", "current_role", "current_schema", "current_user", "false", "fetch",
             "freeze", "grant", "ilike", "initially", "lateral", "leading", "localtime", "localtimestamp", "only",
             "overlaps", "placing", "session_user", "similar", "some", "symmetric", "system_user", "tablesample",
             "trailing", "true", "variadic", "verbose"}


def quote_identifier(name: str) -> str:
    if _NEEDS_NO_QUOTES.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def _star_positions(lexemes: list[Lexeme]) -> list[Lexeme]:
    """The `*` of result lists at the top level of the statement (not multiplication or count(*))."""
    stars, depth, previous = [], 0, None
    for lx in lexemes:
        if lx.kind in ("ws", "line_comment", "block_comment"):
            continue
        if lx.text == "(":
            depth += 1
        elif lx.text == ")":
            depth -= 1
        elif lx.text == "*" and depth == 0 and previous is not None and (
                previous.text.upper() in _STAR_BEFORE if previous.kind in ("word", "punct") else False):
            stars.append(lx)
        previous = lx
    return stars


def expand_stars(text: str, engine: "EngineTraits", expansions: list[list[tuple[str | None, str]]]) -> str:
    """Name the columns a top-level `*` stands for, as sqlc does: the query then reads exactly the
    columns its row model expects, even from a database whose table has gained columns since."""
    stars = _star_positions(lex(text, engine))
    if not expansions or len(stars) != len(expansions) or any(not e for e in expansions):
        return text
    out, pos = [], 0
    for star, names in zip(stars, expansions):
        qualified_star = text[:star.start].rstrip().endswith(".")
        if qualified_star:
            qualifier = names[0][0] or ""
            first, rest = quote_identifier(names[0][1]), names[1:]
            parts = [first] + [f"{quote_identifier(qualifier)}.{quote_identifier(n)}" for _, n in rest]
        else:
            parts = [f"{quote_identifier(q)}.{quote_identifier(n)}" if q else quote_identifier(n) for q, n in names]
        out.append(text[pos:star.start] + ", ".join(parts))
        pos = star.end
    out.append(text[pos:])
    return "".join(out)


def for_execution(text: str, found: Scan, engine: "EngineTraits",
                  stars: list[list[tuple[str | None, str]]] | None = None,
                  embeds: "Sequence[Sequence[str]]" = (), casts: "Mapping[int, str] | None" = None) -> tuple[str, list[int]]:
    """The SQL to send: every occurrence a positional marker; returns the slot -> param list.

    casts: param index -> what follows its marker so the server reads it as its column's type
    (ValueType.parameter_cast); a slice's items and a marker tested IS NULL get none.

    A slice occurrence is marked so the generated function can expand it into
    as many markers as the list has items. Each sqlc.embed(t) becomes t's columns, `embeds` in
    order (the columns its model has), or `t.*` when they are not known.
    """
    embedded = iter(embeds) if len(embeds) == sum(o.embed is not None for o in found.occurrences) else iter(())
    marker = engine.parameter_marker
    out: list[str] = []
    slots: list[int] = []
    pos = 0
    for occ in found.occurrences:
        chunk = text[pos:occ.start]
        out.append(_escape_percent(chunk) if engine.percent_escaped else chunk)
        if occ.embed is not None:
            names = next(embedded, None)
            out.append(", ".join(f"{_quote(occ.embed)}.{quote_identifier(n)}" for n in names) if names
                       else f"{_quote(occ.embed)}.*")
        else:
            assert occ.param is not None
            spec = found.params[occ.param]
            text_of = SLICE_MARK.format(name=spec.index) + marker if spec.slice else marker
            if engine.null_test_cast and not spec.slice and _NULL_TEST.match(text, occ.end):
                text_of += engine.null_test_cast
            elif not spec.slice:
                text_of += (casts or {}).get(occ.param, "")
            out.append(f"({text_of})" if occ.wrap else text_of)
            slots.append(occ.param)
        pos = occ.end
    tail = text[pos:]
    out.append(_escape_percent(tail) if engine.percent_escaped else tail)
    return expand_stars("".join(out), engine, stars or []), slots


# A marker followed by IS [NOT] NULL (comments are gone from the text sent).
_NULL_TEST = re.compile(r"\s*(?:IS\s+(?:NOT\s+)?NULL|ISNULL|NOTNULL)\b", re.IGNORECASE)


def _escape_percent(chunk: str) -> str:
    # psycopg treats % as the start of a placeholder whenever parameters are passed.
    return chunk.replace("%", "%%")
