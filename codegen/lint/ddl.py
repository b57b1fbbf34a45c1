"""A lexeme-level reading of one migration statement, and the schema objects the catalog does not
keep (indexes, triggers, view texts, unique keys, foreign keys), tracked statement by statement.

The catalog builder has already accepted every statement read here, so this reading can stay
small: it only needs to find names and keywords, never to reject anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..catalog.cursor import unquote
from ..source import Statement
from ..sqltext import Lexeme, lex

if TYPE_CHECKING:
    from ..engines import EngineTraits


class StatementView:
    """The significant lexemes of a statement, with upper-cased keywords."""

    def __init__(self, stmt: Statement, engine: "EngineTraits") -> None:
        self.stmt = stmt
        self.engine = engine
        self.items: list[Lexeme] = [x for x in lex(stmt.text, engine)
                                    if x.kind not in ("ws", "line_comment", "block_comment")]
        if self.items and self.items[-1].text == ";":
            self.items.pop()
        self.words = [x.text.upper() if x.kind == "word" else x.text for x in self.items]

    def starts(self, *words: str) -> bool:
        return tuple(self.words[:len(words)]) == words

    def find(self, *words: str, start: int = 0) -> int:
        """Index of the first top-level occurrence of the word sequence, or -1."""
        depth = 0
        for i in range(start, len(self.words)):
            if depth == 0 and tuple(self.words[i:i + len(words)]) == words:
                return i
            if self.words[i] == "(":
                depth += 1
            elif self.words[i] == ")":
                depth -= 1
        return -1

    def name_at(self, i: int) -> str:
        """The (unquoted, lower-cased) name at index i, skipping a schema qualifier."""
        if i + 2 < len(self.items) and self.words[i + 1] == "." and self.items[i + 2].kind in ("word", "ident"):
            i += 2
        return unquote(self.items[i]).lower() if i < len(self.items) else ""

    def schema_at(self, i: int) -> str | None:
        """The schema qualifier of the name at index i (None: unqualified), as the catalog keys it."""
        if i + 2 < len(self.items) and self.words[i + 1] == "." and self.items[i + 2].kind in ("word", "ident"):
            return unquote(self.items[i])
        return None

    def name_end(self, i: int) -> int:
        """Index just past the (possibly qualified) name at i."""
        return i + 3 if i + 1 < len(self.words) and self.words[i + 1] == "." else i + 1

    def offset(self, i: int) -> int:
        return self.items[i].start if 0 <= i < len(self.items) else 0

    def skip_if_exists(self, i: int) -> int:
        for seq in (("IF", "NOT", "EXISTS"), ("IF", "EXISTS")):
            if tuple(self.words[i:i + len(seq)]) == seq:
                return i + len(seq)
        return i

    def group(self, i: int) -> tuple[int, int]:
        """For a "(" at i: the index range (exclusive) of the lexemes inside its group."""
        depth = 0
        for j in range(i, len(self.words)):
            if self.words[j] == "(":
                depth += 1
            elif self.words[j] == ")":
                depth -= 1
                if depth == 0:
                    return i + 1, j
        return i + 1, len(self.words)

    def split_top(self, start: int, end: int) -> list[tuple[int, int]]:
        """Comma-separated parts of items[start:end] at this nesting level."""
        parts, depth, begin = [], 0, start
        for j in range(start, end):
            if self.words[j] == "(":
                depth += 1
            elif self.words[j] == ")":
                depth -= 1
            elif self.words[j] == "," and depth == 0:
                parts.append((begin, j))
                begin = j + 1
        parts.append((begin, end))
        return [p for p in parts if p[0] < p[1]]

    def names_in(self, start: int, end: int) -> tuple[str, ...]:
        """The column names of a (col, col DESC, ...) list: the first name of each part."""
        return tuple(unquote(self.items[a]).lower() for a, b in self.split_top(start, end)
                     if self.items[a].kind in ("word", "ident"))

    def identifiers(self) -> set[str]:
        return {unquote(x).lower() for x in self.items if x.kind in ("word", "ident")}


@dataclass
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    unique: bool
    partial: bool


@dataclass
class TableFacts:
    keys: list[tuple[str, ...]] = field(default_factory=list)  # primary key and UNIQUE column sets
    fk_columns: set[str] = field(default_factory=set)  # columns of FOREIGN KEY / REFERENCES
    references: set[str] = field(default_factory=set)  # tables this one references


class Objects:
    """Indexes, triggers, views and key facts of the schema so far, by lower-cased name."""

    def __init__(self) -> None:
        self.indexes: dict[str, Index] = {}
        self.triggers: dict[str, tuple[str, set[str]]] = {}  # name -> (table, identifiers of its text)
        self.views: dict[str, set[str]] = {}  # name -> identifiers of its query
        self.tables: dict[str, TableFacts] = {}

    # -- questions -----------------------------------------------------------------------
    def unique_keys(self, table: str) -> list[tuple[str, ...]]:
        keys = list(self.tables.get(table, TableFacts()).keys)
        keys += [ix.columns for ix in self.indexes.values() if ix.table == table and ix.unique and not ix.partial]
        return keys

    def indexes_of(self, table: str) -> list[Index]:
        return [ix for ix in self.indexes.values() if ix.table == table]

    def triggers_of(self, table: str) -> list[str]:
        return [name for name, (t, _) in self.triggers.items() if t == table]

    def views_reading(self, name: str) -> list[str]:
        return sorted(v for v, ids in self.views.items() if name in ids)

    def referenced_by(self, table: str) -> list[str]:
        return sorted(t for t, facts in self.tables.items() if table in facts.references and t != table)

    # -- updates -------------------------------------------------------------------------
    def apply(self, v: StatementView) -> None:
        w = v.words
        if not w:
            return
        if w[0] == "CREATE":
            i = 1
            for word in ("OR", "REPLACE", "TEMP", "TEMPORARY", "UNLOGGED"):
                if i < len(w) and w[i] == word:
                    i += 1
            if i < len(w) and w[i] == "TABLE":
                self._create_table(v, v.skip_if_exists(i + 1))
            elif i < len(w) and w[i] in ("UNIQUE", "INDEX"):
                self._create_index(v, i)
            elif i < len(w) and w[i] == "TRIGGER":
                j = v.skip_if_exists(i + 1)
                on = v.find("ON", start=j)
                if on > 0:
                    self.triggers[v.name_at(j)] = (v.name_at(on + 1), v.identifiers())
            elif "VIEW" in w[i:i + 2]:
                j = v.skip_if_exists(w.index("VIEW", i) + 1)
                self.views[v.name_at(j)] = v.identifiers() - {v.name_at(j)}
        elif w[0] == "DROP" and len(w) > 2:
            kind = w[1] if w[1] != "MATERIALIZED" else "VIEW"
            j = v.skip_if_exists(w.index(kind) + 1 if kind in w else 2)
            if j < len(w) and w[j] == "CONCURRENTLY":
                j = v.skip_if_exists(j + 1)
            for a, _ in v.split_top(j, len(w)):
                name = v.name_at(a)
                if kind == "INDEX":
                    self.indexes.pop(name, None)
                elif kind == "TRIGGER":
                    self.triggers.pop(name, None)
                elif kind == "VIEW":
                    self.views.pop(name, None)
                elif kind == "TABLE":
                    self._forget_table(name)
        elif w[0] == "ALTER" and len(w) > 3 and w[1] == "TABLE":
            self._alter(v)

    def _create_table(self, v: StatementView, i: int) -> None:
        name = v.name_at(i)
        facts = TableFacts()
        self.tables[name] = facts
        j = v.name_end(i)
        if j >= len(v.words) or v.words[j] != "(":
            return  # AS SELECT, PARTITION OF...: no keys of its own
        start, end = v.group(j)
        for a, b in v.split_top(start, end):
            self._element(v, a, b, facts)

    def _element(self, v: StatementView, a: int, b: int, facts: TableFacts, column: str | None = None) -> None:
        """A column definition or table constraint inside CREATE TABLE (or after ALTER TABLE ... ADD)."""
        w = v.words
        if w[a] == "CONSTRAINT":
            a += 2
        if a >= b:
            return
        if w[a] in ("PRIMARY", "UNIQUE", "FOREIGN") and a + 1 < b and (w[a + 1] in ("KEY", "(")):
            paren = next((k for k in range(a, b) if w[k] == "("), -1)
            if paren < 0:
                return
            s, e = v.group(paren)
            cols = v.names_in(s, e)
            if w[a] == "FOREIGN":
                facts.fk_columns.update(cols)
                ref = v.find("REFERENCES", start=e)
                if 0 <= ref < b:
                    facts.references.add(v.name_at(ref + 1))
            else:
                facts.keys.append(cols)
            return
        if w[a] in ("CHECK", "EXCLUDE"):
            return
        col = column or unquote(v.items[a]).lower()
        depth = 0
        for k in range(a + 1, b):
            if w[k] == "(":
                depth += 1
            elif w[k] == ")":
                depth -= 1
            elif depth == 0 and (w[k] == "UNIQUE" or (w[k] == "PRIMARY" and k + 1 < b and w[k + 1] == "KEY")):
                facts.keys.append((col,))
            elif depth == 0 and w[k] == "REFERENCES":
                facts.fk_columns.add(col)
                facts.references.add(v.name_at(k + 1))

    def _create_index(self, v: StatementView, i: int) -> None:
        w = v.words
        unique = w[i] == "UNIQUE"
        i = w.index("INDEX", i) + 1
        if i < len(w) and w[i] == "CONCURRENTLY":
            i += 1
        i = v.skip_if_exists(i)
        on = v.find("ON", start=i)
        if on < 0:
            return
        name = v.name_at(i) if on > i else f"<unnamed {len(self.indexes)}>"
        t = on + 1 + (w[on + 1] == "ONLY")
        table = v.name_at(t)
        paren = v.find("(", start=v.name_end(t))
        if paren < 0:
            return
        s, e = v.group(paren)
        self.indexes[name] = Index(name, table, v.names_in(s, e), unique, v.find("WHERE", start=e) >= 0)

    def _forget_table(self, name: str) -> None:
        self.tables.pop(name, None)
        for ix in [k for k, ix in self.indexes.items() if ix.table == name]:
            del self.indexes[ix]
        for tr in self.triggers_of(name):
            del self.triggers[tr]

    def _alter(self, v: StatementView) -> None:
        w = v.words
        i = v.skip_if_exists(2)
        if w[i] == "ONLY":
            i += 1
        table = v.name_at(i)
        i = v.name_end(i)
        facts = self.tables.setdefault(table, TableFacts())
        if w[i:i + 2] == ["RENAME", "TO"]:
            new = v.name_at(i + 2)
            self._forget_table(new)
            self.tables[new] = self.tables.pop(table, TableFacts())
            for ix in self.indexes.values():
                if ix.table == table:
                    ix.table = new
            for name, (t, ids) in list(self.triggers.items()):
                if t == table:
                    self.triggers[name] = (new, ids | {new})
            for ids in self.views.values():
                if table in ids:
                    ids.add(new)
            for other in self.tables.values():
                if table in other.references:
                    other.references = (other.references - {table}) | {new}
        elif w[i] == "RENAME":
            j = i + 1 + (w[i + 1] == "COLUMN")
            old, new = v.name_at(j), v.name_at(j + 2)
            facts.keys = [tuple(new if c == old else c for c in key) for key in facts.keys]
            facts.fk_columns = {new if c == old else c for c in facts.fk_columns}
            for ix in self.indexes.values():
                if ix.table == table:
                    ix.columns = tuple(new if c == old else c for c in ix.columns)
        elif w[i] == "DROP" and i + 1 < len(w) and w[i + 1] != "CONSTRAINT":
            j = v.skip_if_exists(i + 1 + (w[i + 1] == "COLUMN"))
            col = v.name_at(j)
            facts.keys = [key for key in facts.keys if col not in key]
            facts.fk_columns.discard(col)
            for name in [k for k, ix in self.indexes.items() if ix.table == table and col in ix.columns]:
                del self.indexes[name]
        elif w[i] == "ADD":
            for a, b in v.split_top(i, len(w)):
                if w[a] != "ADD":
                    continue
                a += 1
                if a < b and w[a] == "COLUMN":
                    a = v.skip_if_exists(a + 1)
                if a < b and w[a] in ("CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE"):
                    if "USING" in w[a:b] and "INDEX" in w[a:b]:
                        k = w.index("INDEX", a)
                        used = self.indexes.get(v.name_at(k + 1))
                        if used is not None:
                            facts.keys.append(used.columns)
                        continue
                    self._element(v, a, b, facts)
                elif a < b:
                    self._element(v, a, b, facts)
