"""`python -m codegen lint`: migration and query lint that knows the queries.

rules.py holds every rule's ID, engine, severity, rationale and fix; findings.py the finding model
and `-- codegen: allow` suppressions; ddl.py a small reading of DDL statements and the objects
(indexes, triggers, keys) the catalog does not keep; each engine's lint_rules.py (codegen/engines/) and
query_rules.py the checks; rolling.py the query-aware checks against earlier schemas;
runner.py walks the migrations; report.py prints text, JSON or SARIF; cli.py parses arguments.
"""
