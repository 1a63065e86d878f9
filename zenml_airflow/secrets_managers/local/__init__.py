"""The seed's ``zenml.secrets_managers.local`` package (``local_secrets_manager`` inside)."""
