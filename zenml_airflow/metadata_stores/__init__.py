"""The seed's ``zenml.metadata_stores`` module path (re-exports)."""
