"""Each built-in function's result type in codegen/engines/postgresql/signatures.py, where it is a
fixed type, is one the server's own pg_proc gives some version of that function. The text search
functions were typed text (to_tsquery, plainto_tsquery, to_tsvector...), so `ts_rank(v,
to_tsquery($1))` was refused as "ts_rank(unknown, text) does not exist" (tests/test_postgres_text_search.py);
this reads every fixed result against the real server, so another such slip cannot hide."""

from __future__ import annotations

import psycopg

from codegen.engines.postgresql.signatures import SIGNATURES

_STRINGS = {"text", "character varying", "character", "name", '"char"'}
# A result code (signatures.py _CODES, and "o": str of no string type) and the types it stands for.
_EXPECTED = {"i": {"integer", "bigint", "smallint"}, "f": {"double precision", "real"}, "n": {"numeric"},
             "t": _STRINGS, "o": {"tsvector", "tsquery"}, "b": {"boolean"}, "y": {"bytea"}, "j": {"json", "jsonb"},
             "u": {"uuid"}, "d": {"date"}, "ts": {"timestamp without time zone"},
             "tz": {"timestamp with time zone"}, "tm": {"time without time zone"}, "ttz": {"time with time zone"},
             "iv": {"interval"}}


def test_postgres_every_fixed_result_type_is_one_the_server_gives(postgres_url: str) -> None:
    checked, wrong = 0, []
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name, sig in sorted(SIGNATURES.items()):
            code = sig.result
            if not isinstance(code, str) or code.replace("[]", "") not in _EXPECTED:
                continue  # a rule (the argument's type, a range...), judged by its own tests
            returned = {r[0] for r in conn.execute(
                "SELECT DISTINCT format_type(prorettype, NULL) FROM pg_proc WHERE proname = %s",
                (name.lower(),)).fetchall()}
            if not returned:
                continue  # syntax (CURRENT_DATE...) or an extension's function
            dims = "[]" * code.count("[]")
            if not returned & {t + dims for t in _EXPECTED[code.replace("[]", "")]}:
                wrong.append(f"{name}: typed {code}, the server returns {sorted(returned)}")
            checked += 1
    assert wrong == []
    assert checked > 150  # the table is read, not skipped
