"""The SQLite engine: dialect, catalog rules, typing, runtime and introspection."""
