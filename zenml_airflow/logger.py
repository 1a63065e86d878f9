"""The seed's ``zenml.logger`` (filled in by the seed-paths work)."""
