"""The service: maps Slack threads to Claude Code sessions, in SQLite or PostgreSQL.

app.db opens the database (a file path or a postgresql:// URL), app.migrate
applies schema/ (or schema/postgresql/) migrations through the runner the
generated packages carry (generated.migrations, generated.postgresql.migrations), app.sessions holds the
thread/session rules on top of the generated data layer (generated/ and
generated/postgresql/), and app.cli is `python -m app`.
"""
