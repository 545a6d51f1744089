"""Today's business date (UTC), in one place so a test can freeze it."""

from datetime import UTC, date, datetime


def today() -> date:
    return datetime.now(UTC).date()
