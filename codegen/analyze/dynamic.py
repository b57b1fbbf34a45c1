"""sqlc.optional: a statement whose ANDed predicates come and go with their arguments.

A predicate holding `sqlc.optional(x)` is left out of the statement when x is None, so the
engine plans each variant on its own (an index on the column serves the one-filter variant,
which `(x IS NULL OR col = x)` would defeat). The statement is cut at generation time into
fixed text and clauses (WHERE, HAVING, JOIN ... ON) of conjuncts; the generated code only
joins the kept pieces, nothing is parsed at run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlglot import exp

from .. import ir
from ..errors import Located
from ..placeholders import PLACEHOLDER, Scan, for_execution, scan
from ..sqltext import Lexeme, lex
from .joins import DroppableJoin, join_lexemes, reads

if TYPE_CHECKING:
    from ..engines import EngineTraits

_CLAUSES = {"WHERE", "HAVING", "ON"}
# Words that end a WHERE / HAVING / ON clause at its own nesting level.
_ENDS = {"GROUP", "ORDER", "LIMIT", "OFFSET", "WINDOW", "RETURNING", "UNION", "EXCEPT", "INTERSECT", "HAVING",
         "WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "NATURAL", "FETCH", "FOR", "ON", "USING",
         "QUALIFY", "DO"}
_OPEN, _CLOSE = {"(", "[", "CASE"}, {")", "]", "END"}  # `[`: PostgreSQL's ARRAY[a, b] and subscripts
_SENTINEL = "\x00"
_MISPLACED = ("sqlc.optional must be in a predicate ANDed into a WHERE, HAVING or JOIN ... ON clause "
              "(not under OR, not in {where})")


def check_placement(tree: exp.Expr, found: Scan) -> None:
    """Every use of an optional parameter sits in one top-level conjunct of a WHERE, HAVING or ON."""
    optional = {p.index for p in found.params if p.optional}
    for placeholder in tree.find_all(exp.Placeholder):
        name = str(placeholder.name)
        index = int(name[len(PLACEHOLDER):]) if name.startswith(PLACEHOLDER) and name[len(PLACEHOLDER):].isdigit() \
            else None
        if index not in optional:
            continue
        problem = _misplaced(placeholder)
        if problem is not None:
            raise Located(_MISPLACED.format(where=problem), found.params[index].offsets[0])


def check_writes_stay_filtered(tree: exp.Expr, found: Scan) -> None:
    """An UPDATE or DELETE whose every WHERE conjunct is optional is refused.

    With all of its optional arguments None, such a statement loses its WHERE and changes every
    row of its table: a call that forgot its filters would wipe the table. A fixed conjunct (a
    required argument, a constant) keeps every variant bounded, so optional filters beside one
    are allowed.
    """
    optional = {p.index for p in found.params if p.optional}
    for statement in tree.find_all(exp.Update, exp.Delete):
        where = statement.args.get("where")
        if where is None:
            continue
        conjuncts = list(where.this.flatten()) if isinstance(where.this, exp.And) else [where.this]
        held = [_optional_uses(conjunct, optional, statement) for conjunct in conjuncts]
        if all(held):
            kind = "UPDATE" if isinstance(statement, exp.Update) else "DELETE"
            raise Located(f"every WHERE predicate of this {kind} is sqlc.optional: with all of them None it "
                          f"would {'change' if kind == 'UPDATE' else 'delete'} every row; keep one fixed "
                          "predicate (a required argument) or use sqlc.narg with an explicit IS NULL test",
                          found.params[held[0][0]].offsets[0])


def _optional_uses(node: exp.Expr, optional: set[int], statement: exp.Expr) -> list[int]:
    """The optional parameters (by index) that make the conjunct `node` of `statement` optional
    (one inside a subquery makes the subquery's own conjunct optional, not this one)."""
    uses = []
    for placeholder in node.find_all(exp.Placeholder):
        if placeholder.find_ancestor(exp.Query, exp.Update, exp.Delete) is not statement:
            continue
        name = str(placeholder.name)
        suffix = name[len(PLACEHOLDER):] if name.startswith(PLACEHOLDER) else ""
        if suffix.isdigit() and int(suffix) in optional:
            uses.append(int(suffix))
    return uses


def _misplaced(node: exp.Expr) -> str | None:
    while True:
        parent = node.parent
        if parent is None:
            return "this place"
        if isinstance(parent, (exp.Where, exp.Having)) or (isinstance(parent, exp.Join) and node.arg_key == "on"):
            return None
        if isinstance(parent, exp.Or):
            return "an OR"
        if isinstance(parent, exp.And) and not _top_level_and(parent):
            return "a nested AND"
        if isinstance(parent, (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Values, exp.Join)):
            return f"a {node.arg_key or 'place'} of {parent.key.upper()}"
        node = parent


def _top_level_and(node: exp.Expr) -> bool:
    while isinstance(node.parent, exp.And):
        node = node.parent
    parent = node.parent
    return isinstance(parent, (exp.Where, exp.Having)) or (isinstance(parent, exp.Join) and node.arg_key == "on")


def pieces(executable: str, engine: "EngineTraits", stars: list[list[tuple[str | None, str]]],
           joins: Sequence[DroppableJoin] = (), written: str = "", sort_texts: Sequence[str] = (),
           embeds: Sequence[Sequence[str]] = (), casts: dict[int, str] | None = None) -> tuple[ir.DynamicPiece, ...]:
    """The statement to send, cut into fixed pieces and clauses of droppable conjuncts, and the
    LEFT JOINs among `joins` (found in `written`, the statement as written) that only optional
    predicates read, each kept in the variants where one of those is."""
    found = scan(executable, engine)
    bits = {p.index: n for n, p in enumerate(p for p in found.params if p.optional)}
    sig = [x for x in lex(executable, engine) if x.kind not in ("ws", "line_comment", "block_comment")]
    depths = _depths(sig)
    clauses: dict[int, list[tuple[int, int, int]]] = {}  # keyword lexeme -> conjuncts (first, last, requires)
    for occ in found.occurrences:
        if occ.param is None or occ.param not in bits:
            continue
        at = next(i for i, x in enumerate(sig) if x.start == occ.start)
        keyword = _clause_keyword(sig, depths, at)
        if keyword not in clauses:
            clauses[keyword] = _conjuncts(sig, depths, keyword)
        conjuncts = clauses[keyword]
        holder = next((n for n, (first, last, _) in enumerate(conjuncts) if first <= at <= last), None)
        if holder is None:  # a predicate kept in the fixed text would send NULL for a None argument
            raise Located(_MISPLACED.format(where="this place"), occ.start)
        first, last, requires = conjuncts[holder]
        conjuncts[holder] = (first, last, requires | 1 << bits[occ.param])
    segments = _segments(sig, clauses, len(executable))
    spans = [span for join in joins
             if (span := _join_span(join, sig, depths, segments, found, written, sort_texts, engine)) is not None]
    segments = _split(segments, spans)
    marked = _SENTINEL.join(executable[start:end] for start, end, _, _ in segments)
    sql, slots = for_execution(marked, scan(marked, engine), engine, stars, embeds, casts)
    texts = sql.split(_SENTINEL)
    # Which segment each bind slot falls in: count parameter occurrences per segment of `marked`.
    slot_iter = iter(slots)
    per_segment: list[tuple[int, ...]] = []
    marked_found = scan(marked, engine)
    bounds, offset = [], 0
    for start, end, _, _ in segments:
        bounds.append((offset, offset + end - start))
        offset += end - start + 1
    for lo, hi in bounds:
        count = sum(1 for o in marked_found.occurrences if o.param is not None and lo <= o.start < hi)
        per_segment.append(tuple(next(slot_iter) for _ in range(count)))
    out: list[ir.DynamicPiece] = []
    fixed_text, fixed_slots, fixed_need = "", (), ()  # type: tuple[str, tuple[int, ...], tuple[int, ...]]
    clause_conjuncts: list[ir.Conjunct] = []
    keyword_text, clause_need, clause_keeps = "", (), False  # type: tuple[str, tuple[int, ...], bool]
    for (_, _, label, need), text, seg_slots in zip(segments, texts, per_segment):
        kind = label[0]
        if kind == "fixed":
            if keyword_text:
                out.append(_clause(keyword_text, clause_conjuncts, engine, clause_need, clause_keeps))
                keyword_text, clause_conjuncts = "", []
            if need != fixed_need:  # a dropped join's text starts or ends here
                out.append(ir.DynamicPiece(fixed_text, fixed_slots, needed=fixed_need))
                fixed_text, fixed_slots, fixed_need = "", (), need
            fixed_text, fixed_slots = fixed_text + text, fixed_slots + seg_slots
        elif kind == "keyword":
            if keyword_text:
                out.append(_clause(keyword_text, clause_conjuncts, engine, clause_need, clause_keeps))
                clause_conjuncts = []
            out.append(ir.DynamicPiece(fixed_text, fixed_slots, needed=fixed_need))
            fixed_text, fixed_slots, fixed_need = "", (), need
            keyword_text, clause_need, clause_keeps = text, need, bool(label[2])
        elif kind == "conjunct":
            bits_needed = label[1]
            assert isinstance(bits_needed, int)
            clause_conjuncts.append(ir.Conjunct(text, bits_needed, seg_slots))
    if keyword_text:
        out.append(_clause(keyword_text, clause_conjuncts, engine, clause_need, clause_keeps))
    out.append(ir.DynamicPiece(fixed_text, fixed_slots, needed=fixed_need))
    return tuple(p for p in out if p.text or p.keyword)


def _clause(keyword_text: str, conjuncts: list[ir.Conjunct], engine: "EngineTraits", needed: tuple[int, ...],
            keeps: bool) -> ir.DynamicPiece:
    # A clause that cannot go (see _keeps_keyword) is always true when none of its conjuncts is kept.
    fallback = keyword_text + (" " + engine.true_literal) if keeps else ""
    return ir.DynamicPiece(keyword=keyword_text, fallback=fallback, conjuncts=tuple(conjuncts), needed=needed)


# A stretch of the executable text: (start, end, label, need). `need` keeps it in the variants
# where one of its masks of optional arguments is all set; () keeps it always.
Segment = tuple[int, int, tuple[object, ...], tuple[int, ...]]


def _all_of(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The need of a stretch kept only when both needs hold."""
    if not a or not b:
        return a or b
    masks = {x | y for x in a for y in b}
    return () if 0 in masks else tuple(sorted(masks))


def _any_of(masks: Sequence[int]) -> tuple[int, ...]:
    """The need of a stretch kept when any one of these masks is all set."""
    return () if not masks or 0 in masks else tuple(sorted(set(masks)))


def _segments(sig: list[Lexeme], clauses: dict[int, list[tuple[int, int, int]]], length: int) -> list[Segment]:
    """The executable text cut into fixed stretches and clauses of droppable conjuncts, in order.

    A clause with an optional filter may sit in a conjunct of another (`x = opt AND id IN (SELECT
    ... WHERE y = opt2)`): the outer one is then written as stretches each kept under its own need
    (its keyword while any conjunct is, each conjunct while its filters are set, each AND while it
    and an earlier conjunct are kept), and the inner one is a clause kept with its conjunct.
    """
    segments: list[Segment] = []
    inside: dict[int, tuple[int, int]] = {}  # clause keyword -> (outer keyword, conjunct number)
    for keyword in clauses:
        holders = [(outer, n) for outer, conjuncts in clauses.items() if outer < keyword
                   for n, (first, last, _) in enumerate(conjuncts) if first <= keyword <= last]
        if holders:
            inside[keyword] = max(holders)  # the innermost: the latest keyword that holds it

    def emit(pos: int, end: int, keywords: list[int], need: tuple[int, ...]) -> None:
        for keyword in sorted(keywords):
            before = sig[keyword - 1].end if keyword else sig[keyword].start
            segments.append((pos, before, ("fixed",), need))
            conjuncts = clauses[keyword]
            nested = {n: [k for k, (outer, m) in inside.items() if outer == keyword and m == n]
                      for n in range(len(conjuncts))}
            pos = sig[keyword].end
            if not any(nested.values()):
                segments.append((before, pos, ("keyword", sig[keyword].text, _keeps_keyword(sig, keyword)), need))
                for first, last, requires in conjuncts:
                    segments.append((pos, sig[first].start, ("separator",), need))
                    segments.append((sig[first].start, sig[last].end, ("conjunct", requires), need))
                    pos = sig[last].end
                continue
            needs = [requires for _, _, requires in conjuncts]
            if _keeps_keyword(sig, keyword) and all(needs):
                raise Located(f"{sig[keyword].text.upper()} whose every predicate is sqlc.optional cannot hold "
                              "another optional filter in a subquery; add a fixed predicate to it", sig[keyword].start)
            segments.append((before, pos, ("fixed",), _all_of(need, _any_of(needs))))
            for n, (first, last, requires) in enumerate(conjuncts):
                if n:  # `AND`: kept with this conjunct when an earlier one is kept too
                    and_end = sig[conjuncts[n - 1][1] + 1].end
                    segments.append((pos, and_end, ("fixed",),
                                     _all_of(need, _any_of([needs[m] | requires for m in range(n)]))))
                    pos = and_end
                own = _all_of(need, _any_of([requires]))
                segments.append((pos, sig[first].start, ("fixed",), own))
                emit(sig[first].start, sig[last].end, nested[n], own)
                pos = sig[last].end
        segments.append((pos, end, ("fixed",), need))

    emit(0, length, [k for k in clauses if k not in inside], ())
    return [s for s in segments if s[0] < s[1] or s[2][0] != "fixed"]


def _join_span(join: DroppableJoin, sig: list[Lexeme], depths: list[int], segments: list[Segment], found: Scan,
               written: str, sort_texts: Sequence[str], engine: "EngineTraits") -> tuple[int, int, tuple[int, ...]] | None:
    """(start, end, needed) of a droppable join's text in the statement sent: kept when one of the
    `needed` masks of optional arguments is all set; None when the join must always stay."""
    written_sig = [x for x in lex(written, engine) if x.kind not in ("ws", "line_comment", "block_comment")]
    at = next((i for i, x in enumerate(written_sig) if x.start == join.table_at), None)
    if at is None or at >= len(sig) or sig[at].text != written_sig[at].text:
        return None  # the sent text does not line up with the written one here (a sqlc.sort before it)
    bounds = join_lexemes(sig, depths, at, lambda j: _ends_clause(sig, j))
    if bounds is None:
        return None
    first, last = bounds
    start, end = sig[first].start, sig[last].end
    if any(label[0] != "fixed" and not (start <= a and b <= end) and not (b <= start or a >= end)
           for a, b, label, _ in segments if a < b):
        return None  # a clause that starts in the join and goes on after it
    in_params = [(o.start, o.end) for o in found.occurrences if o.param is not None]  # not sqlc.embed(t)
    needed: set[int] = set()
    for i, x in enumerate(sig):
        if first <= i <= last or any(a <= x.start < b for a, b in in_params) or not reads(sig, i, join):
            continue
        label, need = next((lab, need) for a, b, lab, need in segments if a <= x.start < b)
        requires = label[1] if label[0] == "conjunct" else 0
        assert isinstance(requires, int)
        reader = _all_of(need, _any_of([requires]))
        if not reader:
            return None  # read by the select list, a fixed predicate, GROUP BY, another join...
        needed.update(reader)
    for text in sort_texts:  # a sort value that orders by the joined table's columns
        chosen = [x for x in lex(text, engine) if x.kind not in ("ws", "line_comment", "block_comment")]
        if any(reads(chosen, i, join) for i in range(len(chosen))):
            return None
    return (start, end, tuple(sorted(needed))) if needed else None


def _split(segments: list[Segment], spans: list[tuple[int, int, tuple[int, ...]]]) -> list[Segment]:
    """Fixed segments cut at the spans' ends; each inside a span kept only when its join is too."""
    cuts = sorted({p for start, end, _ in spans for p in (start, end)})
    out: list[Segment] = []
    for a, b, label, need in segments:
        inner = [c for c in cuts if a < c < b] if label[0] == "fixed" else []
        for lo, hi in zip([a, *inner], [*inner, b]):
            join = next((n for start, end, n in spans if start <= lo and hi <= end and lo < hi), ())
            out.append((lo, hi, label, _all_of(need, join)))
    return out


# What an operand follows: an `end` after one of these is a column (SQLite takes `end` unquoted,
# as in `begin <= ? AND end >= ?`), not the END of a CASE.
_BEFORE_AN_OPERAND = {".", "(", "[", ",", "=", "<", ">", "!", "|", "+", "-", "*", "/", "%", "AND", "OR", "NOT", "WHEN",
                      "THEN", "ELSE", "WHERE", "SELECT", "DISTINCT", "BY", "ON", "HAVING", "IS", "IN", "LIKE", "GLOB",
                      "BETWEEN", "RETURNING", "SET"}


def _depths(sig: list[Lexeme]) -> list[int]:
    """The nesting level each lexeme sits at (brackets and CASE ... END at the outer one)."""
    depths, depth, cases = [], 0, 0
    for i, x in enumerate(sig):
        word = x.text.upper() if x.kind in ("word", "punct") else ""
        if word == "END" and (not cases or (i and sig[i - 1].text.upper() in _BEFORE_AN_OPERAND)):
            word = ""  # a column named end
        if word in _CLOSE:
            depth -= 1
            cases -= word == "END"
        depths.append(depth)
        if word in _OPEN:
            depth += 1
            cases += word == "CASE"
    return depths


def _keeps_keyword(sig: list[Lexeme], keyword: int) -> bool:
    """Whether the clause at sig[keyword] stays when all its conjuncts go: a JOIN's ON (a join
    without one is another kind of join) and an aggregate's FILTER (WHERE ...), which has no
    form without a predicate."""
    return sig[keyword].text.upper() == "ON" or (keyword >= 2 and sig[keyword - 1].text == "("
                                                 and sig[keyword - 2].text.upper() == "FILTER")


def _clause_keyword(sig: list[Lexeme], depths: list[int], at: int) -> int:
    level = depths[at]
    for j in range(at - 1, -1, -1):
        # Out of a bracket (`lower(opt)`, `IN (opt, ...)`, `(col = opt)`): its clause is further out.
        # A subquery's own clause is met before its bracket; what a subquery holds outside its
        # WHERE / HAVING / ON was refused from the tree (check_placement).
        level = min(level, depths[j])
        if depths[j] == level and sig[j].kind == "word" and sig[j].text.upper() in _CLAUSES:
            return j
    raise Located(_MISPLACED.format(where="this place"), sig[at].start)


# Words that end a clause only when followed by one of these (else a name: SQLite takes `left`,
# `full`, `offset`, `window`, `do`, `for`... as column names, and `left(x, 1)` is a function).
_FOLLOWED_BY = {"LEFT": {"JOIN", "OUTER"}, "RIGHT": {"JOIN", "OUTER"}, "FULL": {"JOIN", "OUTER"},
                "INNER": {"JOIN"}, "CROSS": {"JOIN"}, "NATURAL": {"JOIN", "LEFT", "RIGHT", "FULL", "INNER", "CROSS"},
                "FOR": {"UPDATE", "SHARE", "NO", "KEY"}, "DO": {"UPDATE", "NOTHING"}, "FETCH": {"FIRST", "NEXT"},
                "GROUP": {"BY"}, "ORDER": {"BY"}}  # not `WITHIN GROUP (ORDER BY ...)` of an aggregate
# Clause words neither engine takes as an unquoted name.
_RESERVED = {"LIMIT", "RETURNING", "UNION", "EXCEPT", "INTERSECT", "HAVING", "WHERE", "JOIN", "ON", "USING"}
# What may follow a name in an expression but never a clause's keyword (`offset = 1`, `window IS NULL`).
_AFTER_A_NAME = {".", "=", "<", ">", "!", "|", "+", "*", "/", "%", ")", ",", ";", "::", "IS", "IN", "NOT", "LIKE",
                 "GLOB", "BETWEEN", "COLLATE", "AND", "OR", "ISNULL", "NOTNULL", "REGEXP", "MATCH", "ESCAPE"}


def _ends_clause(sig: list[Lexeme], at: int) -> bool:
    """Whether sig[at] is a keyword that ends a WHERE / HAVING / ON at its level, not a column or a
    function named like one (`t.offset`, `full = 1`, `left(name, 1)`)."""
    x = sig[at]
    upper = x.text.upper()
    if x.kind != "word" or upper not in _ENDS or (at and sig[at - 1].text == ".") \
            or (upper == "GROUP" and at and sig[at - 1].text.upper() == "WITHIN"):
        return False
    after = sig[at + 1].text.upper() if at + 1 < len(sig) else ";"
    if upper in _FOLLOWED_BY:
        return after in _FOLLOWED_BY[upper]
    if upper in _RESERVED:  # never a name: `WHERE NOT EXISTS`, `RETURNING *` end the clause before
        return True
    if upper == "WINDOW":  # WINDOW w AS (...)
        return at + 2 < len(sig) and sig[at + 2].text.upper() == "AS"
    return after not in _AFTER_A_NAME  # OFFSET, QUALIFY: an expression follows, not an operator


def _conjuncts(sig: list[Lexeme], depths: list[int], keyword: int) -> list[tuple[int, int, int]]:
    """(first, last lexeme, 0) of each top-level conjunct of the clause after `keyword`."""
    level = depths[keyword]
    out: list[tuple[int, int, int]] = []
    first, between = keyword + 1, False
    j = keyword + 1
    while j < len(sig):
        x, upper = sig[j], sig[j].text.upper()
        if depths[j] < level or (depths[j] == level and (
                _ends_clause(sig, j) or x.text in (";", ","))):
            # a top-level comma ends an ON: `JOIN s ON ... AND opt, t` goes on to the next FROM item
            break
        if depths[j] == level and x.kind == "word":
            if upper == "BETWEEN":
                between = True
            elif upper == "AND" and between:
                between = False
            elif upper == "AND":
                out.append((first, j - 1, 0))
                first = j + 1
        j += 1
    out.append((first, j - 1, 0))
    return out
