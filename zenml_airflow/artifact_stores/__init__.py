"""The seed's ``zenml.artifact_stores`` module path (re-exports)."""
