"""Alembic migrations of the metadata store (run through ``zenml_airflow.metadata.schema_migrations``).

A package only so that ``env.py`` ships in wheels (``versions/*.py`` and ``script.py.mako`` ship
as package data); importing it does nothing.
"""
