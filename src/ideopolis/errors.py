"""Exceptions raised by ideopolis.

Every exception a user can cause subclasses :class:`IdeopolisError` *and* a builtin
(``ValueError``, ``FileNotFoundError``), so library callers can catch what they already know while the
CLI turns any :class:`IdeopolisError` into one line on stderr and exit code 1. Messages are built before
raising and name the file, row, column or argument at fault and the fix.
"""

from __future__ import annotations


class IdeopolisError(Exception):
    """Base of every error a user of ideopolis can cause (bad input, unknown name, missing file)."""


class RegionSetError(IdeopolisError, ValueError):
    """A region set (manifest, geometry or tables) cannot be used as it is."""


class RegionSetNotFoundError(IdeopolisError, FileNotFoundError):
    """A region set named on the command line is neither bundled nor a folder."""


class DataFileError(IdeopolisError, ValueError):
    """A data file is missing, unreadable, wrongly encoded or in an unsupported format."""


class UnknownMethodError(IdeopolisError, ValueError):
    """A method was requested by a name that no registry knows."""


class FrameworkError(IdeopolisError, ValueError):
    """The indicator framework (tree, weights, directions) is inconsistent."""


class MethodError(IdeopolisError, ValueError):
    """A method cannot be applied to the data it was given (a geometric mean over values <= 0)."""


class ConfigError(IdeopolisError, ValueError):
    """A run profile (TOML) or a command-line option combination is invalid."""


class OutputError(IdeopolisError, OSError):
    """An output file (table, map, log) cannot be written where it was asked to go."""


class EngineError(IdeopolisError, ConnectionError):
    """A compute engine cannot be used: its scheduler is unreachable, or its workers run another ideopolis."""


class IdeopolisWarning(UserWarning):
    """Something a user should know about a result that is still usable (PCA loadings disagree in sign)."""
