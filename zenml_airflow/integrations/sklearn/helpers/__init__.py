"""Helpers for scikit-learn pipelines (the seed's ``zenml.integrations.sklearn.helpers``)."""
