"""The seed's ``zenml.integrations.integration.Integration``: an integration's name, its pip
requirements and what to import to use it.

The built-in integrations are records in :mod:`zenml_airflow.core.integrations` (pure data, cheap
to import); this class is the seed-era face of one. Subclasses are not registered by defining
them (no metaclass magic): pass one to ``integration_registry.register_integration(NAME, cls)``,
or, from a package of your own, name it in a ``zenml_airflow.integrations`` entry point
(:mod:`zenml_airflow.core.integration_plugins`).

Example::

    class MyIntegration(Integration):
        NAME = "my_tool"
        REQUIREMENTS = ["my-tool>=2"]

    MyIntegration.check_installation()  # False until `pip install 'my-tool>=2'`
"""

from __future__ import annotations

import importlib
from typing import ClassVar

from zenml_airflow.core.integrations import IntegrationInfo, missing_requirements


class Integration:
    """Base class of integrations.

    Attributes:
        NAME: the integration's name, as used in ``@pipeline(required_integrations=[...])``.
        REQUIREMENTS: pip requirement specifiers it needs.
        SYSTEM_REQUIREMENTS: programs it needs on ``PATH``, ``{what: command}``.
        MATERIALIZERS: ``{top-level library: module}``: the module registers the materializers
            of that library's types; it is imported once a step holds a value of the library
            (or on :meth:`activate`), never before.
    """

    NAME: ClassVar[str] = "base_integration"
    REQUIREMENTS: ClassVar[list[str]] = []
    SYSTEM_REQUIREMENTS: ClassVar[dict[str, str]] = {}
    MATERIALIZERS: ClassVar[dict[str, str]] = {}

    @classmethod
    def check_installation(cls) -> bool:
        """Whether every requirement is installed (and every system program is on ``PATH``)."""
        return not missing_requirements(cls.REQUIREMENTS, cls.SYSTEM_REQUIREMENTS)

    @classmethod
    def activate(cls) -> None:
        """Import what makes the integration usable: the modules of :attr:`MATERIALIZERS`
        (which import the library). The stack flavors of the supported integrations are built
        in and need no activation."""
        for module in cls.MATERIALIZERS.values():
            importlib.import_module(module)

    @classmethod
    def info(cls) -> IntegrationInfo:
        """This integration as a registry record."""
        return IntegrationInfo(
            name=cls.NAME,
            requirements=tuple(cls.REQUIREMENTS),
            supported=False,
            summary=(cls.__doc__ or "").strip().split("\n", 1)[0],
            system_requirements=dict(cls.SYSTEM_REQUIREMENTS),
        )


__all__ = ["Integration"]
