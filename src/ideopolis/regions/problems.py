"""Problems found in a region set, collected and reported together.

Validation never stops at the first problem: every check appends a :class:`Problem` to a
:class:`ValidationReport`, and the user sees all of them at once, one line each, with the file, the row or
column, what is wrong and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ideopolis.errors import RegionSetError

Severity = Literal["error", "warning"]

#: How many offending rows or ids one problem line names before it says "and N more".
MAX_LISTED = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a region set.

    Parameters
    ----------
    severity : {"error", "warning"}
        Errors are fatal (the set cannot be used); warnings are reported and the set still loads.
    code : str
        A stable, machine-readable name of the check (e.g. ``"duplicate-id"``), used by tests.
    file : str
        The file at fault, relative to the region-set folder (e.g. ``"indicators.csv"``).
    where : str
        The row, column, key or id at fault (e.g. ``"column 'ba_share'"``); may be empty.
    message : str
        What is wrong.
    fix : str
        What the user should do about it.
    """

    severity: Severity
    code: str
    file: str
    where: str
    message: str
    fix: str

    def line(self) -> str:
        """Return the problem as one line of text."""
        place = f"{self.file}: {self.where}" if self.where else self.file
        text = f"{self.severity}: {place}: {self.message}; fix: {self.fix}"
        return " ".join(text.split())


@dataclass
class ValidationReport:
    """Every problem found while reading one region set.

    Parameters
    ----------
    source : str
        What was validated (a region-set name or folder), for messages.
    problems : list of Problem
        The problems, in the order they were found.
    notes : list of str
        What the readers decided about the files (a separator, a sheet, labels, markers read as missing).
    validate_command : str
        The command that lists every problem (default ``ideopolis validate <source>``).
    id_fix : str
        The fix named when an id column is missing (the manifest key, or ``--id`` for your own files).
    """

    source: str
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    validate_command: str = ""
    id_fix: str = ""

    def add(self, severity: Severity, code: str, file: str, where: str, message: str, fix: str) -> None:
        """Append a problem."""
        self.problems.append(Problem(severity, code, file, where, message, fix))

    def error(self, code: str, file: str, where: str, message: str, fix: str) -> None:
        """Append a fatal problem."""
        self.add("error", code, file, where, message, fix)

    def warning(self, code: str, file: str, where: str, message: str, fix: str) -> None:
        """Append a non-fatal problem."""
        self.add("warning", code, file, where, message, fix)

    def extend(self, problems: Iterable[Problem]) -> None:
        """Append several problems."""
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        """The fatal problems."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The non-fatal problems."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no fatal problem."""
        return not self.errors

    def codes(self) -> list[str]:
        """The codes of every problem, in order (handy in tests)."""
        return [p.code for p in self.problems]

    def lines(self) -> list[str]:
        """Every problem as one line of text, errors first."""
        return [p.line() for p in self.errors] + [p.line() for p in self.warnings]

    def summary(self) -> str:
        """One line: how many errors and warnings."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        if not self.problems:
            return f"{self.source}: no problems found"
        return f"{self.source}: {_plural(n_err, 'error')}, {_plural(n_warn, 'warning')}"

    def raise_if_errors(self) -> None:
        """Raise :class:`~ideopolis.errors.RegionSetError` naming the first error, if there is any."""
        errors = self.errors
        if not errors:
            return
        first = errors[0].line().removeprefix("error: ")
        more = f" (and {_plural(len(errors) - 1, 'more error')})" if len(errors) > 1 else ""
        raise RegionSetError(
            f"region set {self.source} cannot be used: {first}{more}; run '{self.command()}' to see every problem"
        )

    def command(self) -> str:
        """The command that lists every problem of this set."""
        return self.validate_command or f"ideopolis validate {self.source}"

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def count(n: int, singular: str, plural: str | None = None, *, verb: tuple[str, str] | None = None) -> str:
    """Say how many, with the right noun (and verb) form.

    Examples
    --------
    >>> count(1, "value", verb=("is", "are"))
    '1 value is'
    >>> count(3, "geometry", "geometries")
    '3 geometries'
    """
    noun = singular if n == 1 else (plural or f"{singular}s")
    text = f"{n} {noun}"
    if verb is not None:
        text += f" {verb[0] if n == 1 else verb[1]}"
    return text


def listing(items: Sequence[object], *, limit: int = MAX_LISTED) -> str:
    """Name the first few items and say how many more there are.

    Parameters
    ----------
    items : sequence
        Rows, ids or names.
    limit : int
        How many to name.

    Returns
    -------
    str
        For example ``"'01001', '01003', '01005' and 12 more"``.

    Examples
    --------
    >>> listing(["a", "b", "c"], limit=2)
    "'a', 'b' and 1 more"
    """
    shown = ", ".join(repr(i) if isinstance(i, str) else str(i) for i in items[:limit])
    rest = len(items) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
