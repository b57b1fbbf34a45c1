"""Writes builtin_functions.json, the server's own table of built-in functions, which builtins.py
reads to refuse a call the server cannot resolve (no function of that name, of that many
arguments, of those argument types): every call of such a query fails when it is prepared.

    python -m codegen.engines.postgresql.pg_proc_dump postgresql://... [--out PATH]

Data, not hand-typed: pg_proc's functions of pg_catalog (each overload's input argument types,
how many have defaults, whether the last is VARIADIC), the categories of the types they name and
the implicit casts among them (pg_cast), and the functions each contrib extension the server has
adds (created one at a time in a scratch database, then dropped). Rerun it against a newer server
to follow PostgreSQL; a function a newer server has and an older one lacks is then accepted for
both (the table errs towards accepting).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("builtin_functions.json")

# typname of a type, arrays as their element's name with [] (int4[], not _int4)
_TYPE_NAME = """CASE WHEN t.typcategory = 'A' AND t.typelem <> 0
                    THEN (SELECT e.typname FROM pg_type e WHERE e.oid = t.typelem) || '[]' ELSE t.typname END"""

_OVERLOADS = f"""
SELECT p.proname,
       coalesce((SELECT string_agg({_TYPE_NAME}, ',' ORDER BY a.n)
                 FROM unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a (oid, n) JOIN pg_type t ON t.oid = a.oid), ''),
       p.pronargdefaults, p.provariadic <> 0
FROM pg_proc p
WHERE p.pronamespace = %s::regnamespace AND p.prokind <> 'p' {{extra}}
ORDER BY 1, 2, 3, 4"""

_TYPES = f"""SELECT {_TYPE_NAME}, t.typcategory, t.typtype FROM pg_type t
             WHERE t.typnamespace = 'pg_catalog'::regnamespace ORDER BY 1"""

_IMPLICIT = f"""
SELECT (SELECT {_TYPE_NAME} FROM pg_type t WHERE t.oid = c.castsource),
       (SELECT {_TYPE_NAME} FROM pg_type t WHERE t.oid = c.casttarget)
FROM pg_cast c WHERE c.castcontext = 'i' ORDER BY 1, 2"""


def _overloads(conn: Any, schema: str, extra: str = "", params: tuple[Any, ...] = ()) -> dict[str, list[str]]:
    """name -> its overloads, each "argtype,argtype" with "/n" (n arguments have defaults) and "*"
    (the last one is VARIADIC) where they apply."""
    functions: dict[str, list[str]] = {}
    for name, args, defaults, variadic in conn.execute(_OVERLOADS.format(extra=extra), (schema, *params)):
        spelt = args + (f"/{defaults}" if defaults else "") + ("*" if variadic else "")
        if spelt not in functions.setdefault(name, []):
            functions[name].append(spelt)
    return functions


def _extension_functions(conn: Any) -> dict[str, dict[str, list[str]]]:
    """What CREATE EXTENSION of each available extension adds, created and dropped one at a time."""
    added: dict[str, dict[str, list[str]]] = {}
    names = [row[0] for row in conn.execute("SELECT name FROM pg_available_extensions WHERE installed_version IS NULL "
                                            "ORDER BY 1")]
    for name in names:
        try:
            with conn.transaction(force_rollback=True):
                conn.execute("CREATE SCHEMA codegen_dump")
                conn.execute(f'CREATE EXTENSION "{name}" SCHEMA codegen_dump CASCADE')
                added[name] = _overloads(conn, "codegen_dump")
        except Exception as error:  # a library it needs is missing on this server: left out, as unknown
            print(f"extension {name} left out: {str(error).splitlines()[0]}", file=sys.stderr)
    return added


def dump(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        implicit: dict[str, list[str]] = {}
        for source, target in conn.execute(_IMPLICIT):
            implicit.setdefault(source, []).append(target)
        return {
            "server": f"PostgreSQL {version}",
            "functions": _overloads(conn, "pg_catalog"),
            "types": {name: category + kind for name, category, kind in conn.execute(_TYPES)},
            "implicit": implicit,
            "extensions": _extension_functions(conn),
        }


def write(data: dict[str, Any], path: Path) -> None:
    """One line per function name, so a newer server's dump reads as a diff of the names it changed."""
    def block(mapping: dict[str, Any], indent: str) -> str:
        return "{\n" + ",\n".join(f"{indent}{json.dumps(k)}: {json.dumps(v)}" for k, v in mapping.items()) + "}"

    extensions = "{\n" + ",\n".join(f'  {json.dumps(name)}: {block(functions, "    ")}'
                                     for name, functions in data["extensions"].items()) + "}"
    path.write_text(f'{{"server": {json.dumps(data["server"])},\n"functions": {block(data["functions"], "  ")},\n'
                    f'"types": {block(data["types"], "  ")},\n"implicit": {block(data["implicit"], "  ")},\n'
                    f'"extensions": {extensions}}}\n', encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="a postgresql:// URL of a server with no extension installed in its database")
    parser.add_argument("--out", type=Path, default=DATA)
    args = parser.parse_args(argv)
    write(dump(args.url), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
