"""The seed's ``zenml.secrets_managers`` module path (re-exports)."""
