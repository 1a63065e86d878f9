"""The seed's ``zenml.config.profile_config``: the default profile's name.

Profiles are :class:`~zenml_airflow.config.ProfileStore` and
:class:`~zenml_airflow.config.ProfileManager` here (``zenml-airflow profile ...``); the seed's
``ProfileConfiguration`` has no direct counterpart.
"""

from __future__ import annotations

from zenml_airflow.config.global_config import DEFAULT_PROFILE_NAME

__all__ = ["DEFAULT_PROFILE_NAME"]
