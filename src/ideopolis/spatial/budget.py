"""The compute and memory budget of a permutation test, checked before any work.

Conditional permutation inference draws ``P`` permutations for each of ``n`` regions: the work grows with
``n x P`` and the table of draws with ``P x k`` (``k`` the largest number of neighbours). A run that would
take hours or more memory than a laptop has is refused with the limit and the largest ``P`` that fits,
instead of hanging (``--permutations 10000000`` on 3,000 counties is 3e10 region-permutations: hours).
"""

from __future__ import annotations

from ideopolis.errors import MethodError

__all__ = ["MAX_DRAW_BYTES", "MAX_REGION_PERMUTATIONS", "check_permutation_budget"]

#: The most region-permutations (regions x permutations) one test may draw: about 2 to 3 minutes of one
#: core (measured: 3,231 counties x 9,999 permutations in 4.7 s on the 2-core test machine).
MAX_REGION_PERMUTATIONS = 1_000_000_000

#: The most memory the table of draws may take: 1 GiB (permutations x neighbours x 8 bytes).
MAX_DRAW_BYTES = 1024**3


def check_permutation_budget(regions: int, permutations: int, max_neighbours: int) -> None:
    """Refuse a permutation test over the compute or memory budget, naming the largest that fits.

    Parameters
    ----------
    regions : int
        Regions tested.
    permutations : int
        Permutations per region.
    max_neighbours : int
        The largest number of neighbours of a region.

    Raises
    ------
    MethodError
        When ``regions x permutations`` exceeds :data:`MAX_REGION_PERMUTATIONS` or the draws would exceed
        :data:`MAX_DRAW_BYTES`.

    Examples
    --------
    >>> check_permutation_budget(3231, 999, 14)
    >>> check_permutation_budget(3231, 10_000_000, 14)
    Traceback (most recent call last):
    ...
    ideopolis.errors.MethodError: 10,000,000 permutations of 3,231 regions are 32,310,000,000 region-permutations, over the budget of 1,000,000,000 (a few minutes of one core); fix: use at most 309,501 permutations (--permutations)
    """
    work = regions * permutations
    largest = min(MAX_REGION_PERMUTATIONS // max(regions, 1), MAX_DRAW_BYTES // (8 * max(max_neighbours, 1)))
    if work > MAX_REGION_PERMUTATIONS:
        raise MethodError(
            f"{permutations:,} permutations of {regions:,} regions are {work:,} region-permutations, over the "
            f"budget of {MAX_REGION_PERMUTATIONS:,} (a few minutes of one core); fix: use at most {largest:,} "
            "permutations (--permutations)"
        )
    need = permutations * max(max_neighbours, 1) * 8
    if need > MAX_DRAW_BYTES:
        raise MethodError(
            f"{permutations:,} permutations of up to {max_neighbours} neighbours need {need / 1024**3:.1f} GiB of "
            f"draws, over the budget of {MAX_DRAW_BYTES / 1024**3:.0f} GiB; fix: use at most {largest:,} "
            "permutations (--permutations)"
        )
