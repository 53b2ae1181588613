"""Storage: SQLModel tables, Alembic migrations and the event store."""
