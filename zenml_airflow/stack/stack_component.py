"""The base of every stack component: a named, validated, immutable pydantic config.

A component class is the *eager* half of a flavor: cheap to import, it validates configuration and
may open the resource it describes when asked (never on construction or attribute access). The
heavy implementation (e.g. an orchestrator) is named by ``IMPLEMENTATION`` (``"module:Class"``) and
imported lazily by whoever runs it.

Example::

    class MyArtifactStore(ArtifactStoreComponent):
        FLAVOR: ClassVar[str] = "mine"
        bucket: str

    MyArtifactStore.from_config("archive", {"bucket": "b", "path": "/x"})
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError, did_you_mean

_IDENTITY_FIELDS = ("name", "flavor")


def _label(component_type: StackComponentType) -> str:
    return component_type.value.replace("_", " ")


class StackComponent(BaseModel):
    """A stack component: ``name`` + ``flavor`` + the flavor's config fields.

    Subclasses set ``TYPE`` and ``FLAVOR`` (and ``IMPLEMENTATION`` if something must be imported
    to run them) and declare their config as pydantic fields. Unknown fields are refused with the
    list of allowed ones.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    TYPE: ClassVar[StackComponentType]
    FLAVOR: ClassVar[str]
    IMPLEMENTATION: ClassVar[str | None] = None

    name: str
    flavor: str = ""

    @classmethod
    def config_fields(cls) -> list[str]:
        """The flavor-specific fields (everything but ``name`` and ``flavor``)."""
        return [field for field in cls.model_fields if field not in _IDENTITY_FIELDS]

    @classmethod
    def describe(cls) -> str:
        """``"artifact store 'local'"`` - for messages."""
        return f"{_label(cls.TYPE)} flavor '{cls.FLAVOR}'"

    @model_validator(mode="before")
    @classmethod
    def _check_keys_and_flavor(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        allowed = list(cls.model_fields)
        unknown = [key for key in data if key not in allowed]
        if unknown:
            hints = "".join(did_you_mean(str(key), allowed) for key in unknown)
            fields = ", ".join(cls.config_fields()) or "none"
            raise ValueError(
                f"unknown field(s) {', '.join(repr(k) for k in unknown)} for {cls.describe()}."
                f"{hints} Allowed fields: {fields}"
            )
        flavor = data.get("flavor") or cls.FLAVOR
        if flavor != cls.FLAVOR:
            raise ValueError(
                f"flavor {flavor!r} does not match {cls.__name__}, whose flavor is '{cls.FLAVOR}'"
            )
        return {**data, "flavor": cls.FLAVOR}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any] | None = None) -> Self:
        """Build a component from a stored or user-given config dict.

        Raises:
            StackError: naming the component, the bad field(s) and the allowed fields.
        """
        try:
            return cls.model_validate({**(config or {}), "name": name})
        except ValidationError as error:
            problems = []
            for item in error.errors():
                location = ".".join(str(part) for part in item["loc"])
                message = str(item["msg"]).removeprefix("Value error, ")
                problems.append(f"{location}: {message}" if location else message)
            fields = ", ".join(cls.config_fields()) or "none"
            detail = "; ".join(problems)
            suffix = "" if "Allowed fields" in detail else f" Allowed fields: {fields}."
            raise StackError(
                f"Invalid configuration for {_label(cls.TYPE)} '{name}' "
                f"(flavor '{cls.FLAVOR}'): {detail}.{suffix}"
            ) from error

    @property
    def component_type(self) -> StackComponentType:
        """The component type (``TYPE``)."""
        return self.TYPE

    @property
    def config(self) -> dict[str, Any]:
        """The flavor-specific config as JSON-compatible values, as stored in a profile."""
        return self.model_dump(mode="json", exclude=set(_IDENTITY_FIELDS))
