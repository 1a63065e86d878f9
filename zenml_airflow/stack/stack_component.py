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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from zenml_airflow.enums import StackComponentType
from zenml_airflow.exceptions import StackError, did_you_mean
from zenml_airflow.secrets.errors import SecretReferenceError
from zenml_airflow.secrets.references import (
    SecretReference,
    find_references,
    is_reference_like,
    parse_reference,
)

if TYPE_CHECKING:  # pragma: no cover
    from zenml_airflow.stack.stack import Stack

_IDENTITY_FIELDS = ("name", "flavor")
MASK = "********"


class StackComponent(BaseModel):
    """A stack component: ``name`` + ``flavor`` + the flavor's config fields.

    Subclasses set ``TYPE`` and ``FLAVOR`` (and ``IMPLEMENTATION`` if something must be imported
    to run them) and declare their config as pydantic fields. Unknown fields are refused with the
    list of allowed ones.

    Class variables a flavor may set:

    * ``IMPLEMENTATION`` - ``"module:Class"`` of the code that runs it, imported lazily (and at stack
      registration, to refuse a stack whose implementation is missing).
    * ``IMPLEMENTATION_REQUIRED`` - the component cannot work without ``IMPLEMENTATION``
      (orchestrators, step operators).
    * ``NOT_IMPLEMENTED`` - a reason, for flavors that exist as configs only so far; a stack using
      one is refused at registration with that reason.
    * ``SENSITIVE_FIELDS`` - fields shown masked by ``describe``.

    A string field may hold a secret reference, ``{{secret_name.key}}``, instead of a value: it is
    stored and compiled as written and resolved by the stack's secrets manager only when the value
    is used (:meth:`resolve`).

    Subclasses may override :meth:`check_in_stack` (refuse combinations that cannot work) and
    :meth:`stack_notes` (warn about combinations that work only under conditions).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    TYPE: ClassVar[StackComponentType]
    FLAVOR: ClassVar[str]
    IMPLEMENTATION: ClassVar[str | None] = None
    IMPLEMENTATION_REQUIRED: ClassVar[bool] = False
    NOT_IMPLEMENTED: ClassVar[str | None] = None
    SENSITIVE_FIELDS: ClassVar[frozenset[str]] = frozenset()

    name: str
    flavor: str = ""

    # Set by the Stack the component belongs to: resolves a secret reference of one of its fields.
    _secret_resolver: Callable[[StackComponent, str, SecretReference], Any] | None = PrivateAttr(
        default=None
    )

    @classmethod
    def config_fields(cls) -> list[str]:
        """The flavor-specific fields (everything but ``name`` and ``flavor``)."""
        return [field for field in cls.model_fields if field not in _IDENTITY_FIELDS]

    @classmethod
    def profile_defaults(cls, name: str, profile_dir: Any) -> dict[str, Any]:
        """Settings filled in when the component is registered in a profile without them (e.g. a
        file under the profile directory), so the stored config is explicit. None by default."""
        return {}

    @classmethod
    def describe(cls) -> str:
        """``"artifact store 'local'"`` - for messages."""
        return f"{cls.TYPE.label} flavor '{cls.FLAVOR}'"

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

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        try:
            self.secret_references()
        except SecretReferenceError as error:
            raise ValueError(str(error)) from None
        return self

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
                f"Invalid configuration for {cls.TYPE.label} '{name}' "
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

    def masked_config(self) -> dict[str, Any]:
        """:attr:`config` with the values of ``SENSITIVE_FIELDS`` replaced by ``********``.

        Secret references (``{{secret.key}}``) are shown as they are: they are not secrets.
        """
        config = self.config
        for field in self.SENSITIVE_FIELDS:
            value = config.get(field)
            if value is not None and not is_reference_like(value):
                config[field] = MASK
        return config

    def secret_references(self) -> dict[str, SecretReference]:
        """The fields that hold a ``{{secret.key}}`` reference (no I/O)."""
        return find_references(self.config)

    def resolve(self, field: str) -> Any:
        """The value of ``field``, with a secret reference resolved through the stack's secrets
        manager (plain values are returned as they are). Call it where the value is used.

        Raises:
            StackError: naming this component, the field and the secret when it cannot be
                resolved (no secrets manager, missing secret or key).
        """
        value = getattr(self, field)
        reference = parse_reference(value)
        if reference is None:
            return value
        if self._secret_resolver is None:
            raise StackError(
                f"{self.TYPE.label.capitalize()} '{self.name}': field '{field}' references secret "
                f"'{reference.secret}' ({reference}), but the component is not used in a stack with a "
                "secrets manager to resolve it. Use it through a stack that has one (-x)."
            )
        return self._secret_resolver(self, field, reference)

    @property
    def is_local(self) -> bool:
        """Whether what this component describes is reachable only from this machine (a local
        directory, a sqlite file). Used to warn about or refuse stacks that run elsewhere."""
        return False

    def local_paths(self) -> list[str]:
        """The files or directories of this machine this component keeps its data in (a local
        artifact store's directory, a sqlite file); a worker on another host sees them only on a
        filesystem shared at the same path. None by default."""
        return []

    def check_in_stack(self, stack: Stack) -> list[str]:
        """Problems that make ``stack`` unusable with this component (empty when fine).

        Called by :meth:`Stack.validate <zenml_airflow.stack.stack.Stack.validate>`; each
        string says what cannot work and why.
        """
        return []

    def stack_notes(self, stack: Stack) -> list[str]:
        """Conditions under which ``stack`` works with this component (shown by ``stack
        describe``), e.g. "the Airflow workers must run on this machine"."""
        return []
