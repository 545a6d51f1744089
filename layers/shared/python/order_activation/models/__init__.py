"""Pydantic models the API speaks: requests, resources and their shared types."""
