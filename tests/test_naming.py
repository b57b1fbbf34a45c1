"""Python names for SQL names: functions, classes, constants, fields, arguments and modules."""

from __future__ import annotations

import keyword

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codegen.python import naming


@pytest.mark.parametrize("query, function", [
    ("GetThread", "get_thread"), ("GetThreadByID", "get_thread_by_id"), ("HTTPServerStatus", "http_server_status"),
    ("listUsers", "list_users"), ("list_users", "list_users"), ("GetV2User", "get_v2_user"),
    ("Import", "import_"), ("From", "from_"), ("Match", "match_"), ("None", "none"), ("Sha256Sum", "sha256_sum"),
])
def test_function_names(query: str, function: str) -> None:
    assert naming.snake(query) == function


@pytest.mark.parametrize("query, const", [("GetThreadByID", "GET_THREAD_BY_ID"), ("Import", "IMPORT"),
                                          ("ListV2Items", "LIST_V2_ITEMS")])
def test_constant_names(query: str, const: str) -> None:
    assert naming.constant(query) == const


@pytest.mark.parametrize("table, model", [
    ("threads", "Thread"), ("categories", "Category"), ("statuses", "Status"), ("addresses", "Address"),
    ("boxes", "Box"), ("people", "Person"), ("news", "News"), ("series", "Series"), ("status", "Status"),
    ("working_directories", "WorkingDirectory"), ("user-profiles", "UserProfile"), ("order items", "OrderItem"),
    ("users_v2", "UsersV2"), ("user_names2", "UserNames2"), ("class", "Class"), ("data", "Data"),
])
def test_model_names(table: str, model: str) -> None:
    assert naming.model_name(table) == model


@pytest.mark.parametrize("column, field", [
    ("user_id", "user_id"), ("user id", "user_id"), ("User ID", "User_ID"), ("class", "class_"), ("from", "from_"),
    ("import", "import_"), ("None", "None_"), ("True", "True_"), ("match", "match_"), ("type", "type"),
    ("_private", "private"), ("__dunder__", "dunder"), ("123abc", "column_123abc"), ("", "column"),
    ("café", "café"), ("naïve wert", "naïve_wert"), ("prix €", "prix"), ("address2", "address2"),
    ("sha256", "sha256"), ("a-b.c", "a_b_c"),
])
def test_field_identifiers(column: str, field: str) -> None:
    assert naming.identifier(column) == field


def test_field_names_avoid_tuple_methods_and_repeat() -> None:
    assert naming.field_names(["count", "index", "id", "id", "ID", "x"]) == ["count_", "index_", "id", "id_2", "ID_3",
                                                                           "x"]


def test_argument_names_avoid_the_connection() -> None:
    assert naming.argument_names(["conn", "conn_", "id", "id"]) == ["conn_", "conn__2", "id", "id_2"]


def test_module_names() -> None:
    assert [naming.module_name(s) for s in ["threads", "class", "import", "My Queries", "2fa", "Users"]] == \
        ["threads", "class_", "import_", "my_queries", "queries_2fa", "users"]


def test_unique_is_case_insensitive_and_stable() -> None:
    assert naming.unique(["a", "A", "a", "a_2"]) == ["a", "A_2", "a_3", "a_2_2"]
    assert naming.unique(["x"], taken={"x"}) == ["x_2"]


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@given(_TEXT)
def test_identifier_is_always_a_usable_name(text: str) -> None:
    name = naming.identifier(text)
    assert name.isidentifier()
    assert not keyword.iskeyword(name) and not keyword.issoftkeyword(name)
    assert not name.startswith("_")  # NamedTuple fields may not start with an underscore


@given(st.lists(_TEXT, max_size=8))
def test_field_names_are_unique_valid_fields(columns: list[str]) -> None:
    fields = naming.field_names(columns)
    assert len(fields) == len(columns)
    assert len({f.lower() for f in fields}) == len(fields)
    for f in fields:
        assert f.isidentifier() and not keyword.iskeyword(f) and f not in ("count", "index")


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True))
def test_query_names_give_valid_function_and_class_names(query: str) -> None:
    for name in (naming.snake(query), naming.pascal(query), naming.constant(query)):
        assert name.isidentifier() and not keyword.iskeyword(name), (query, name)
