"""The service: maps Slack threads to Claude Code sessions in SQLite.

app.db opens the database, app.migrate applies schema/ migrations at run
time, app.sessions holds the thread/session rules on top of the generated
data layer (generated/), and app.cli is `python -m app`.
"""
