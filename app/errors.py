"""The migration runner's error, in a module of its own so that app.preflight and app.migrate can
both raise it without importing each other."""


class MigrationError(Exception):
    """A migration could not run; the message is one line, fit for a user."""


def foreign_table_message(columns: list[str]) -> str:
    """schema_migrations written by another tool (golang-migrate keeps (version, dirty)): its
    versions mean something else, so nothing here may read them as ours or add to them."""
    return (
        f"schema_migrations has columns ({', '.join(columns)}), not this service's (version, applied_at): "
        "the database was migrated by another tool (golang-migrate?); nothing was changed"
    )
