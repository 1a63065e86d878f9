"""The seed's ``zenml.secret`` module path (re-exports)."""
