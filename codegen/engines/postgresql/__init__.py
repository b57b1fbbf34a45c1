"""The PostgreSQL engine: dialect, catalog rules, typing, runtime and introspection."""
