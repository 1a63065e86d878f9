"""The seed's ``zenml.constants`` (filled in by the seed-paths work)."""
