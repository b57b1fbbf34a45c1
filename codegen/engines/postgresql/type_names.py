"""PostgreSQL's type names: the value type each built-in name reads as, its other spellings, and
a declared type's base name and array dimensions."""

from __future__ import annotations

import re

from ... import ir
from .ranges import TYPE_NAMES as RANGE_TYPES

TYPES: dict[str, str] = {
    "smallint": ir.INT, "int2": ir.INT, "integer": ir.INT, "int": ir.INT, "int4": ir.INT, "bigint": ir.INT,
    "int8": ir.INT, "smallserial": ir.INT, "serial": ir.INT, "serial2": ir.INT, "serial4": ir.INT,
    "bigserial": ir.INT, "serial8": ir.INT, "oid": ir.INT, "xid": ir.INT, "cid": ir.INT, "xid8": ir.INT,
    # An OID alias type reads as the name it stands for ('users'::regclass is users), as psycopg returns it.
    "regclass": ir.STR, "regproc": ir.STR, "regprocedure": ir.STR, "regtype": ir.STR, "regnamespace": ir.STR,
    "regrole": ir.STR, "regoper": ir.STR, "regoperator": ir.STR, "regconfig": ir.STR, "regdictionary": ir.STR,
    "regcollation": ir.STR,
    "numeric": ir.DECIMAL, "decimal": ir.DECIMAL, "money": ir.STR,
    "real": ir.FLOAT, "float4": ir.FLOAT, "double precision": ir.FLOAT, "float8": ir.FLOAT, "float": ir.FLOAT,
    "text": ir.STR, "varchar": ir.STR, "character varying": ir.STR, "char": ir.STR, "character": ir.STR,
    "bpchar": ir.STR, "citext": ir.STR, "name": ir.STR, "inet": ir.INET, "cidr": ir.CIDR, "macaddr": ir.STR,
    "macaddr8": ir.STR, "ltree": ir.STR, "lquery": ir.STR, "tsvector": ir.STR, "tsquery": ir.STR, "bit": ir.STR,
    "bit varying": ir.STR, "varbit": ir.STR, "xml": ir.STR, "tid": ir.STR, "unknown": ir.STR,
    "boolean": ir.BOOL, "bool": ir.BOOL,
    "bytea": ir.BYTES,
    "uuid": ir.UUID,
    "json": ir.JSON_TEXT, "jsonb": ir.JSON,
    "date": ir.DATE,
    "time": ir.TIME, "time without time zone": ir.TIME, "timetz": ir.TIME_TZ, "time with time zone": ir.TIME_TZ,
    "timestamp": ir.DATETIME, "timestamp without time zone": ir.DATETIME,
    "timestamptz": ir.DATETIME_TZ, "timestamp with time zone": ir.DATETIME_TZ,
    "interval": ir.INTERVAL,
    **RANGE_TYPES,  # int4range, tstzmultirange...: each its own value type (ranges.py)
}
# The string types: text compares with each (varchar = text), and with no number, date or boolean.
STRING_TYPES = {"text", "varchar", "character varying", "char", "character", "bpchar", "citext", "name"}
# Each type's other names, as PostgreSQL resolves them (serials are integer columns of their own
# name: an override of "integer" leaves a serial id alone, as sqlc's db_type does).
SYNONYMS = {"int": "integer", "int4": "integer", "int2": "smallint", "int8": "bigint", "float4": "real",
            "float8": "double precision", "float": "double precision", "decimal": "numeric",
            "varchar": "character varying", "char": "character", "bpchar": "character", "bool": "boolean",
            "varbit": "bit varying", "timestamp": "timestamp without time zone",
            "timestamptz": "timestamp with time zone", "time": "time without time zone",
            "timetz": "time with time zone", "serial4": "serial", "serial8": "bigserial", "serial2": "smallserial"}
_INTERVAL_FIELDS = re.compile(r"interval(?: (?:year|month|day|hour|minute|second|to))+")


def normalise(declared: str) -> tuple[str, int]:
    """'character varying(255)[]' -> ('character varying', 1): the base name and array dimensions."""
    text = declared.strip().lower()
    dims = text.count("[]")
    if text.endswith(" array"):
        dims, text = dims + 1, text[: -len(" array")]
    text = re.sub(r"\[\d*\]", "", text)
    text = re.sub(r"\(.*?\)", "", text)
    text = re.sub(r"\s+", " ", text).strip().strip('"')
    if _INTERVAL_FIELDS.fullmatch(text):  # interval day to second, interval year
        text = "interval"
    if "." in text:
        schema, _, name = text.rpartition(".")
        if schema.strip('"') == "pg_catalog":
            text = name
    return text, dims
