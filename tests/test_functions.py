"""codegen.engines.sqlite.functions: SQLite call typing, checked against real SQLite.

Each case is "call | type[?] | flags": `?` means nullable.  Flags:
  g      the SELECT has GROUP BY (we run it with GROUP BY i: one row per group)
  loose  a FLOAT result may come back as an int (int-or-real functions)
  !      SQLite must actually produce a NULL somewhere (a witness that the
         nullable claim is not just caution)
  nosql  inference only: date(0) is '-4713-11-24' (Python cannot parse it,
         which is why such numbers count as nullable); json_remove(j, u) with
         u a non-path string raises instead of giving NULL; 2-argument iif()
         needs SQLite 3.48; date('2024-02-30') is returned as is by SQLite
         (not NULL) but is no Python date, so we call it nullable
Every case with SQLite runs over the rows below, where nullable columns hold
NULLs; aggregates without GROUP BY also run over an empty table.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import sqlglot
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from codegen import ir
from codegen.engines.sqlite.functions import AGGREGATES, JSON_TEXT, WINDOW_FUNCTIONS, infer_call, is_aggregate
from codegen.ir import Typed, ValueType


def T(base: str, nullable: bool = False, **kw: object) -> Typed:
    return Typed(ValueType(base, **kw), nullable)  # type: ignore[arg-type]


ENUM = ValueType(ir.STR, literals=("a", "b"))
COLS = {
    "i": T(ir.INT), "n": T(ir.INT, True), "f": T(ir.FLOAT), "g": T(ir.FLOAT, True),
    "s": T(ir.STR), "u": T(ir.STR, True), "b": T(ir.BYTES), "bn": T(ir.BYTES, True),
    "j": T(ir.STR), "jn": T(ir.STR, True), "x": T(ir.ANY, True), "o": T(ir.BOOL),
    "d": T(ir.DATE), "e": Typed(ENUM, False),
}
SCHEMA = """i INTEGER NOT NULL, n INTEGER, f REAL NOT NULL, g REAL, s TEXT NOT NULL, u TEXT,
            b BLOB NOT NULL, bn BLOB, j TEXT NOT NULL, jn TEXT, x, o BOOLEAN NOT NULL,
            d DATE NOT NULL, e TEXT NOT NULL"""
ROWS = [
    (3, 5, 2.5, -1.5, "2024-01-15", "abc", b"\x01\x02", b"\xff", '{"a":1,"b":[1,2],"c":"x"}', "[1,2,3]",
     7, 1, "2024-01-15", "a"),
    (-2, None, -0.5, None, "hello world", None, b"", None, "[]", None, "text", 0, "2023-12-31", "b"),
    (0, 0, 0.0, 4.0, "", "", b"\x00", b"", "{}", '{"a":null}', None, 1, "2000-02-29", "a"),
]

FORBIDDEN_ARGS = (exp.JSONPath, exp.Star, exp.Distinct, exp.Order, exp.TsOrDsToTimestamp, exp.JSONKeyValue)


def make_arg_type(grouped: bool, seen: list[exp.Expression] | None = None):
    def arg_type(e: exp.Expression) -> Typed:
        assert not isinstance(e, FORBIDDEN_ARGS), f"asked to type a sqlglot wrapper: {e!r}"
        if seen is not None:
            seen.append(e)
        if isinstance(e, exp.Paren):
            return arg_type(e.this)
        if isinstance(e, exp.Column):
            return COLS[e.name]
        if isinstance(e, (exp.Null, exp.Placeholder)):
            return T(ir.ANY, True)
        if isinstance(e, exp.Literal):
            if e.is_string:
                return T(ir.STR)
            return T(ir.INT if e.this.lstrip("-").isdigit() else ir.FLOAT)
        if isinstance(e, exp.Neg):
            return arg_type(e.this)
        return infer_call(e, arg_type, grouped=grouped) or T(ir.ANY, True)

    return arg_type


def call_node(call: str, tail: str = "") -> exp.Expression:
    node = sqlglot.parse_one(f"SELECT {call} FROM t {tail}", read="sqlite").expressions[0]
    if isinstance(node, exp.Window):  # the analyzer hands over the inner call
        node = node.this
    if isinstance(node, exp.Filter):
        node = node.this
    return node


def infer(call: str, grouped: bool = False, tail: str = "") -> Typed | None:
    return infer_call(call_node(call, tail), make_arg_type(grouped), grouped=grouped)


CASES = """
abs(i) | int
abs(n) | int?
abs(f) | float
abs(s) | float
abs(o) | int
abs(x) | float? | loose
changes() | int
total_changes() | int
last_insert_rowid() | int
char(65, 66) | str
char(n) | str
coalesce(n, i) | int
coalesce(n, 1) | int
ifnull(u, 'x') | str
coalesce(NULL, n) | int? | !
coalesce(n, g) | float? | loose !
coalesce(u, jn) | str? | !
nullif(i, 0) | int? | !
iif(o, i, f) | float | loose
iif(o, i, n) | int?
iif(o, s, NULL) | str? | !
iif(o, s) | str? | nosql
glob('h*', s) | bool
like('h%', s) | bool
like('a%', u) | bool? | !
s LIKE 'h%' | bool
s GLOB '2*' | bool
like('h%', s, '\\') | bool
hex(bn) | str
instr(s, 'o') | int
instr(u, 'b') | int? | !
length(s) | int
length(bn) | int? | !
octet_length(s) | int
lower(s) | str
upper(u) | str? | !
ltrim(s) | str
rtrim(s, 'd') | str
trim(u) | str?
trim(s, u) | str? | !
replace(s, 'o', '0') | str
replace(s, 'o', u) | str? | !
substr(s, 2) | str
substr(s, 1, n) | str? | !
substring(s, 1, 2) | str
substr(b, 1, 1) | bytes? | !
substr(x, 2) | any? | !
quote(u) | str
quote(bn) | str
soundex(u) | str
unicode(s) | int? | !
unicode(u) | int? | !
unhex(s) | bytes?
format('%d', n) | str
printf('%s-%d', u, n) | str
printf(u) | str? | !
concat(u, n) | str
concat_ws(',', u, n) | str
concat_ws(u, s) | str?
random() | int
randomblob(4) | bytes
zeroblob(n) | bytes
round(f) | float
round(i) | float
round(g, 1) | float? | !
round(f, n) | float? | !
sign(f) | int
sign(g) | int? | !
sign(s) | int? | !
typeof(x) | str
likely(n) | int? | !
unlikely(i) | int
likelihood(s, 0.5) | str
max(i, f) | float | loose
max(i, n) | int? | !
min(s, u) | str? | !
min(i, 5) | int
max(i, s) | any
min(e, 'c') | str
sqlite_version() | str
sqlite_source_id() | str
sqlite_compileoption_used('THREADSAFE') | bool
date('now') | date
date() | date
datetime('now') | datetime
datetime() | datetime
time() | time
time('now') | time
date('now', '+1 day') | date
date('NOW', 'start of month', '+1 month', '-1 day', 'weekday 0') | date
datetime('2024-01-15 10:30:00') | datetime
datetime('2024-01-15T10:30:00.123Z', 'localtime') | datetime
time('10:30', '+90 minutes', 'utc') | time
date(2460000.5) | date
datetime(1700000000, 'unixepoch') | datetime
datetime(-1, 'unixepoch') | datetime
date(d) | date?
date(s) | date? | !
datetime(i, 'unixepoch') | datetime?
date('now', u) | date? | !
date('now', 'subsec') | date?
date('now', '+1 fortnight') | date? | !
date('hello') | date? | !
date('2024-13-01') | date? | !
date(0) | date? | nosql
date('2024-01-01t10:00') | date? | !
date('2024-01-01 10:00z') | date
date('Now', 'START OF YEAR', 'WEEKDAY 1', '+2 Hours') | date
time('23:59:59.999+14:00') | time
date('2024-02-30') | date? | nosql
datetime('2024-02-29 23:59') | datetime
date(date('now'), 'start of month') | date
date(date('now'), '+1 day') | date?
date('now', '+1000 years') | date?
date('now', '+800 years', '-36600 days') | date?
date('now', '-800 years', '+1 month') | date
date('0999-12-31') | date?
date('9999-12-31', '+1 day') | date? | !
date(current_timestamp) | date
datetime(julianday('now')) | datetime
date(date(s)) | date? | !
julianday('now') | float
julianday(s) | float? | !
unixepoch() | int
unixepoch('now') | int
unixepoch(s) | int? | !
unixepoch('now', 'subsec') | float?
strftime('%Y-%m-%d %H:%M:%f %j %J %s %S %w %W %%', 'now') | str
strftime('%s') | str
strftime('%Y', s) | str? | !
strftime(u, 'now') | str? | !
strftime('%Y', 'now', '+1 year') | str
strftime('%e', 'now') | str?
timediff('now', '2024-01-01') | str
timediff(s, 'now') | str?
current_timestamp | datetime
current_date | date
current_time | time
sqrt(f) | float? | !
sqrt(i) | float? | !
sin(f) | float
sin(g) | float? | !
sin(s) | float? | !
cos(i) | float
cos(o) | float
atan2(f, i) | float
atan(f) | float
exp(f) | float
ln(f) | float? | !
log(f) | float? | !
log10(f) | float? | !
log2(f) | float? | !
log(2, f) | float? | !
pow(f, 2) | float?
power(i, 2) | float?
ceil(f) | float
ceil(i) | int
ceiling(s) | float? | loose !
floor(g) | float? | !
trunc(i) | int
pi() | float
radians(i) | float
degrees(f) | float
acos(f) | float?
asinh(f) | float
tanh(f) | float
json(j) | str
json(jn) | str? | !
jsonb(j) | bytes
json_array(1, n) | str
json_array() | str
json_object('a', n) | str
json_extract(j, '$.a') | any? | !
json_extract(j, '$.a', '$.c') | str
json_extract(jn, '$.a', '$.b') | str? | !
j -> '$.a' | str? | !
j ->> '$.a' | any? | !
json_array_length(j) | int
json_array_length(jn) | int? | !
json_array_length(j, '$.b') | int? | !
json_type(j) | str
json_type(j, '$.zz') | str? | !
json_valid(j) | bool
json_valid(jn) | bool?
json_quote(u) | str
json_insert(j, '$.z', 1) | str
json_set(jn, '$.a', 1) | str? | !
json_replace(j, '$.a', n) | str
json_remove(j, '$.a') | str
json_remove(j, '$') | str? | !
json_remove(j, u) | str? | nosql
json_patch(j, '{"z":1}') | str
json_patch(j, jn) | str? | !
jsonb_extract(j, '$.a') | any?
json_group_array(n) | str
json_group_object(s, n) | str
count(*) | int
count() | int
count(n) | int
count(DISTINCT n) | int
sum(i) | int? | !
sum(i) | int | g
sum(n) | int? | g !
sum(f) | float?
sum(o) | int?
sum(s) | float? | loose
sum(DISTINCT i) | int | g
total(n) | float
total(i) | float | g
avg(i) | float? | !
avg(i) | float | g
avg(n) | float? | g !
min(i) | int? | !
max(s) | str | g
min(u) | str? | g !
max(e) | str? | !
group_concat(s) | str? | !
group_concat(s, ';') | str | g
group_concat(u) | str? | g !
group_concat(DISTINCT s) | str?
string_agg(s, ',') | str? | !
count(*) FILTER (WHERE i > 0) | int
sum(i) FILTER (WHERE i > 100) | int? | g !
max(i) FILTER (WHERE o) | int? | g
row_number() OVER () | int
rank() OVER (ORDER BY i) | int
dense_rank() OVER (ORDER BY i) | int
ntile(2) OVER (ORDER BY i) | int
percent_rank() OVER (ORDER BY i) | float
cume_dist() OVER (ORDER BY i) | float
lag(i) OVER (ORDER BY i) | int? | !
lag(i, 1, 0) OVER (ORDER BY i) | int
lag(i, 1, n) OVER (ORDER BY i) | int?
lag(i, n, 0) OVER (ORDER BY i) | int
lead(s, 1, 'z') OVER (ORDER BY i) | str
lag(n, 1, 0) OVER (ORDER BY i) | int? | !
lead(i, 2, 0.5) OVER (ORDER BY i) | float | loose
first_value(i) OVER (ORDER BY i) | int
last_value(s) OVER (ORDER BY i) | str
first_value(n) OVER (ORDER BY i) | int? | !
first_value(i) OVER (ORDER BY i ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) | int? | !
nth_value(i, 2) OVER (ORDER BY i) | int? | !
count(*) OVER () | int
sum(i) OVER () | int
sum(i) OVER (ORDER BY i ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING) | int? | !
max(i) OVER (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) | int? | !
min(i) OVER (ORDER BY i ROWS 1 PRECEDING) | int
avg(f) OVER (PARTITION BY s) | float
sum(i) OVER (ORDER BY i ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) | int? | !
sum(i) OVER (ORDER BY i RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) | int
sum(i) FILTER (WHERE i > 100) OVER () | int? | !
group_concat(s) OVER (ORDER BY i) | str
json_group_array(n) OVER (ORDER BY i ROWS BETWEEN 1 FOLLOWING AND 1 FOLLOWING) | str
"""


def parse_cases() -> list[tuple[str, str, bool, set[str]]]:
    out = []
    for line in CASES.strip().splitlines():
        call, type_, *rest = (p.strip() for p in line.split(" | "))
        out.append((call, type_.rstrip("?"), type_.endswith("?"), set(rest[0].split()) if rest else set()))
    return out


ALL = parse_cases()
PYTYPES = {ir.INT: int, ir.FLOAT: float, ir.STR: str, ir.BYTES: bytes}
PARSERS = {ir.DATE: dt.date.fromisoformat, ir.DATETIME: dt.datetime.fromisoformat, ir.TIME: dt.time.fromisoformat}


@pytest.mark.parametrize(("call", "base", "nullable", "flags"), ALL, ids=[c[0] + (" [g]" if "g" in c[3] else "") for c in ALL])
def test_inferred(call: str, base: str, nullable: bool, flags: set[str]) -> None:
    got = infer(call, grouped="g" in flags)
    assert got is not None, call
    assert (got.type.base, got.nullable) == (base, nullable)


@pytest.fixture(scope="module")
def db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE t ({SCHEMA})")
    con.execute(f"CREATE TABLE empty ({SCHEMA})")
    con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(ROWS[0]))})", ROWS)
    return con


def run(db: sqlite3.Connection, sql: str) -> list[object] | None:
    try:
        return [r[0] for r in db.execute(sql).fetchall()]
    except sqlite3.OperationalError as err:
        if "no such function" in str(err):
            return None  # newer than the SQLite here (3.40): concat, unhex, timediff...
        raise


def check_value(value: object, base: str, loose: bool, call: str) -> None:
    if base == ir.ANY:
        return
    if base == ir.BOOL:
        assert value in (0, 1) and type(value) is int, (call, value)
    elif base in PARSERS:
        assert isinstance(value, str), (call, value)
        PARSERS[base](value)
    elif base == ir.FLOAT and loose:
        assert type(value) in (int, float), (call, value)
    else:
        assert type(value) is PYTYPES[base], (call, value)


SQL_CASES = [c for c in ALL if "nosql" not in c[3]]


@pytest.mark.parametrize(("call", "base", "nullable", "flags"), SQL_CASES, ids=[c[0] + (" [g]" if "g" in c[3] else "") for c in SQL_CASES])
def test_against_sqlite(db: sqlite3.Connection, call: str, base: str, nullable: bool, flags: set[str]) -> None:
    grouped = "g" in flags
    values = run(db, f"SELECT {call} FROM t" + (" GROUP BY i" if grouped else ""))
    if values is None:
        pytest.skip(f"SQLite {sqlite3.sqlite_version} lacks a function in {call}")
    if is_aggregate(sqlglot.parse_one(f"SELECT {call}", read="sqlite").expressions[0]) and not grouped:
        empty = run(db, f"SELECT {call} FROM empty")
        assert empty is not None and len(empty) == 1
        values += empty
    for value in values:
        if value is None:
            assert nullable, f"{call} gave NULL but was typed non-null"
        else:
            check_value(value, base, "loose" in flags, call)
    if "!" in flags:
        assert None in values, f"{call}: expected SQLite to produce a NULL"


# ---------------------------------------------------------------- details


def test_type_extras_survive_identity_functions() -> None:
    assert infer("coalesce(e, e)") == Typed(ENUM, False)
    assert infer("max(e)", grouped=True) == Typed(ENUM, False)
    assert infer("nullif(e, 'a')") == Typed(ENUM, True)
    assert infer("likely(e)") == Typed(ENUM, False)
    assert infer("lag(e) OVER ()") == Typed(ENUM, True)
    # a different type in the mix loses them
    assert infer("coalesce(e, 'zz')") == T(ir.STR)
    assert infer("abs(e)") == T(ir.FLOAT)


def test_coalesce_skips_any_and_widens() -> None:
    # NULL literals and untyped arguments say nothing about the type...
    assert infer("coalesce(NULL, x, i)") == T(ir.INT)
    assert infer("coalesce(x, NULL)") == T(ir.ANY, True)
    # ...int and float widen to float, anything else gives up
    assert infer("coalesce(n, f)") == T(ir.FLOAT)
    assert infer("coalesce(n, s)") == T(ir.ANY)
    assert infer("iif(o, b, s)") == T(ir.ANY)
    assert infer("coalesce(o, i)") == T(ir.INT)


def test_json_text_constant() -> None:
    assert infer("json_object('a', 1)") == T(JSON_TEXT)
    assert infer("j -> 'a'") == T(JSON_TEXT, True)


def test_strftime_arguments_follow_the_original_order() -> None:
    # sqlglot: TimeToStr(this=TsOrDsToTimestamp(time), format=fmt)
    assert infer("strftime('%Y', u)") == T(ir.STR, True)
    assert infer("strftime(u)") == T(ir.STR, True)  # time-value becomes CURRENT_TIMESTAMP
    assert infer("strftime('%Y', '2024-01-01')") == T(ir.STR)


@pytest.mark.parametrize(
    "call",
    ["foo(i)", "regexp(s, 'a')", "median(i)", "load_extension('x')", "CAST(i AS TEXT)", "s COLLATE NOCASE",
     "i % 2", "mod(i, 2)", "i + 1", "s || 'x'"],
)
def test_not_ours(call: str) -> None:
    # mod() is parsed into the % operator (exp.Mod): the analyzer types it as
    # arithmetic, even though SQLite's mod() function returns a real.
    assert infer(call) is None


def test_case_branches_are_not_iif() -> None:
    case = call_node("CASE WHEN o THEN i ELSE 0 END")
    assert infer_call(case, make_arg_type(False), grouped=False) is None
    branch = case.args["ifs"][0]
    assert isinstance(branch, exp.If)
    assert infer_call(branch, make_arg_type(False), grouped=False) is None


def test_named_window_frame_is_looked_up() -> None:
    assert infer("first_value(i) OVER w", tail="WINDOW w AS (ORDER BY i)") == T(ir.INT)
    rows = "WINDOW w AS (ORDER BY i ROWS BETWEEN 1 FOLLOWING AND 2 FOLLOWING)"
    assert infer("first_value(i) OVER w", tail=rows) == T(ir.INT, True)
    assert infer("sum(i) OVER w", tail=rows) == T(ir.INT, True)
    assert infer("sum(i) OVER (w)", tail="WINDOW w AS (PARTITION BY s)") == T(ir.INT)
    assert infer("sum(i) OVER nowhere") == T(ir.INT, True)


def test_filter_flag_and_wrappers() -> None:
    count = sqlglot.parse_one("SELECT sum(i) FROM t", read="sqlite").expressions[0]
    arg_type = make_arg_type(True)
    assert infer_call(count, arg_type, grouped=True) == T(ir.INT)
    assert infer_call(count, arg_type, grouped=True, filtered=True) == T(ir.INT, True)
    # handed the Filter or Window node itself, it unwraps
    filt = sqlglot.parse_one("SELECT sum(i) FILTER (WHERE o) FROM t", read="sqlite").expressions[0]
    assert isinstance(filt, exp.Filter)
    assert infer_call(filt, arg_type, grouped=True) == T(ir.INT, True)
    win = sqlglot.parse_one("SELECT sum(i) OVER () FROM t", read="sqlite").expressions[0]
    assert infer_call(win, make_arg_type(False), grouped=False) == T(ir.INT)


@pytest.mark.parametrize(
    ("call", "calls"),
    [("count(*)", 0), ("random()", 0), ("row_number() OVER ()", 0), ("typeof(x)", 0), ("quote(u)", 0),
     ("json_extract(j, '$.a')", 0), ("j ->> '$.a'", 0), ("count(n)", 0), ("total(n)", 0),
     ("json_object('a', n, 'b', i)", 0), ("nullif(i, n)", 1), ("printf('%d', n, i)", 0),
     ("concat_ws(',', u, n)", 1), ("date('now', u)", 0),
     ("date(s, '+1 day')", 0), ("sum(i)", 1), ("sum(i) OVER ()", 1), ("avg(i)", 0), ("coalesce(n, i, s)", 3)],
)
def test_arguments_typed_lazily(call: str, calls: int) -> None:
    seen: list[exp.Expression] = []
    infer_call(call_node(call), make_arg_type(False, seen), grouped=False)
    assert len(seen) == calls


def test_never_asks_about_sqlglot_wrappers() -> None:
    # make_arg_type asserts on JSONPath/Star/Distinct/Order/TsOrDsToTimestamp
    for call in ["count(DISTINCT n)", "group_concat(DISTINCT s ORDER BY s)", "string_agg(s, ',' ORDER BY s)",
                 "strftime('%s', s)", "json_extract(j, '$.a', '$.b')", "j -> '$.a'", "json_object('k', u)"]:
        assert infer(call) is not None


@pytest.mark.parametrize(
    ("call", "expected"),
    [("count(*)", True), ("max(i)", True), ("max(i, n)", False), ("min(i, 1)", False), ("total(i)", True),
     ("avg(f)", True), ("group_concat(s)", True), ("string_agg(s, ',')", True), ("json_group_array(i)", True),
     ("json_group_object(s, i)", True), ("abs(i)", False), ("i", False), ("coalesce(n, 1)", False)],
)
def test_is_aggregate(call: str, expected: bool) -> None:
    assert is_aggregate(sqlglot.parse_one(f"SELECT {call} FROM t", read="sqlite").expressions[0]) is expected


def test_is_aggregate_filter_and_window() -> None:
    select = sqlglot.parse_one(
        "SELECT count(*) FILTER (WHERE o), sum(i) OVER (), row_number() OVER (), "
        "sum(i) FILTER (WHERE o) OVER () FROM t", read="sqlite")
    filt, win, rank, both = select.expressions
    assert is_aggregate(filt) and is_aggregate(filt.this)
    assert not is_aggregate(win) and not is_aggregate(win.this)
    assert not is_aggregate(rank.this)
    assert not is_aggregate(both.this.this)


def test_name_sets() -> None:
    assert {"COUNT", "SUM", "TOTAL", "AVG", "MIN", "MAX", "GROUP_CONCAT", "JSON_GROUP_ARRAY"} <= AGGREGATES
    assert {"ROW_NUMBER", "LAG", "LEAD", "NTH_VALUE", "NTILE"} <= WINDOW_FUNCTIONS
    assert not AGGREGATES & WINDOW_FUNCTIONS


# ---------------------------------------------------------------- date literals, fuzzed

_PARTS = st.sampled_from(["0", "1", "2", "3", "5", "9", "12", "13", "23", "24", "29", "31", "59", "60", "99"])
_TIME_VALUES = st.one_of(
    st.sampled_from(["now", "NOW", "Now", " now", "today", "", "2024-02-30", "24:00", "9999-12-31", "0001-01-01"]),
    st.builds(lambda y, m, d, sep, h, mi, sec, tz: f"{y}-{m}-{d}{sep}{h}:{mi}{sec}{tz}",
              st.sampled_from(["2024", "0001", "1000", "8999", "9999", "202"]), _PARTS.map(lambda p: p.zfill(2)),
              _PARTS.map(lambda p: p.zfill(2)), st.sampled_from([" ", "T", "t", "  "]),
              _PARTS.map(lambda p: p.zfill(2)), _PARTS.map(lambda p: p.zfill(2)),
              st.sampled_from(["", ":00", ":59.5", ":60", ".5"]),
              st.sampled_from(["", "Z", "z", "+02:00", "-14:59", "+15:00", "-23:59", "+24:00", " Z"])),
    st.builds(lambda y, m, d: f"{y}-{m}-{d}", st.sampled_from(["2024", "1999"]),
              _PARTS.map(lambda p: p.zfill(2)), _PARTS.map(lambda p: p.zfill(2))),
    # numbers: julian days, or seconds after a 'unixepoch' modifier
    st.sampled_from(["0", "2460000.5", "5008242.5", "5373484", "-1", "1700000000", "221845392000", "-30610224000"]),
)
_MODIFIERS = st.lists(st.one_of(
    st.builds(lambda sign, n, unit, plural: f"{sign}{n} {unit}{plural}", st.sampled_from(["", "+", "-"]),
              st.sampled_from(["1", "1.5", "100", "0", "400", "10000", "300000", "99999999"]),
              st.sampled_from(["day", "hour", "minute", "second", "month", "year", "week", "DAY"]),
              st.sampled_from(["", "s"])),
    st.sampled_from(["start of month", "start of year", "start of day", "start of week", "weekday 0",
                     "weekday 6", "weekday 7", "localtime", "utc", "UTC", "subsec", "unixepoch", "auto", ""]),
), max_size=3)


@settings(max_examples=400, deadline=None, database=None)
@given(func=st.sampled_from(["date", "time", "datetime", "julianday", "unixepoch"]),
       value=_TIME_VALUES, mods=_MODIFIERS)
def test_fuzzed_date_literals_never_null_when_typed_non_null(func: str, value: str, mods: list[str]) -> None:
    args = ", ".join([value if value[:1].isdigit() and "-" not in value and ":" not in value or value.startswith("-")
                      and value[1:2].isdigit() else "'" + value + "'", *("'" + m + "'" for m in mods)])
    call = f"{func}({args})"
    typed = infer(call)
    assert typed is not None
    result = sqlite3.connect(":memory:").execute(f"SELECT {call}").fetchone()[0]
    if not typed.nullable:
        assert result is not None, call
        check_value(result, typed.type.base, False, call)
