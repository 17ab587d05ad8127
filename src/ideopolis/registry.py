"""Name -> function registries: every pipeline step chooses its method by name.

A :class:`Registry` maps normalised names (lower case, ``-`` and spaces folded to ``_``) to callables.
Asking for an unknown name raises :class:`~ideopolis.errors.UnknownMethodError` listing the valid names,
so a typo on the command line gets a one-line answer that contains the fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from ideopolis.errors import UnknownMethodError

F = TypeVar("F", bound=Callable[..., object])


def normalise_name(name: str) -> str:
    """Fold a method name to its registry key.

    Parameters
    ----------
    name : str
        A name as a user may type it, e.g. ``"Min-Max"`` or ``"z score"``.

    Returns
    -------
    str
        The key, e.g. ``"min_max"`` or ``"z_score"``.
    """
    return name.strip().lower().replace("-", "_").replace(" ", "_")


class Registry(Generic[F]):
    """A named collection of interchangeable methods for one pipeline step.

    Parameters
    ----------
    step : str
        The step the methods belong to, used in error messages (e.g. ``"normalise"``).

    Examples
    --------
    >>> reg: Registry = Registry("normalise")
    >>> @reg.register("identity", aliases=("none",))
    ... def identity(x):
    ...     return x
    >>> reg.get("None")(3)
    3
    """

    def __init__(self, step: str) -> None:
        self.step = step
        self._methods: dict[str, F] = {}
        self._aliases: dict[str, str] = {}

    def register(self, name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[F], F]:
        """Return a decorator that registers a function under ``name`` (and ``aliases``)."""
        key = normalise_name(name)

        def decorator(func: F) -> F:
            if key in self._methods or key in self._aliases:
                raise ValueError(f"{self.step} method {key!r} is registered twice")
            self._methods[key] = func
            for alias in aliases:
                self._aliases[normalise_name(alias)] = key
            return func

        return decorator

    def canonical(self, name: str) -> str:
        """Return the canonical registry key for ``name`` or raise ``UnknownMethodError``."""
        key = normalise_name(name)
        key = self._aliases.get(key, key)
        if key not in self._methods:
            valid = ", ".join(self.names())
            raise UnknownMethodError(f"unknown {self.step} method {name!r}; choose one of: {valid}")
        return key

    def get(self, name: str) -> F:
        """Return the function registered as ``name`` (an alias works too)."""
        return self._methods[self.canonical(name)]

    def names(self) -> list[str]:
        """Return the canonical names, sorted."""
        return sorted(self._methods)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = normalise_name(name)
        return key in self._methods or key in self._aliases

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._methods)
