"""The migration runner's error, in a module of its own so that app.preflight and app.migrate can
both raise it without importing each other."""


class MigrationError(Exception):
    """A migration could not run; the message is one line, fit for a user."""
