"""The service's migration error: what app.migrate raises for either generated runner's."""


class MigrationError(Exception):
    """A migration could not run; the message is one line, fit for a user."""
