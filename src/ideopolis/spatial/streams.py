"""Per-region random streams: a counter-based generator keyed by (region, permutation, slot).

Every random number of the permutation test is a pure function of the seed and of where it is used: region
``i``, permutation ``j`` of that region, neighbour slot ``s``. So a region's permutations are the same whichever
other regions are computed with it, in whatever chunks, on however many threads or machines (issue 12 item 6,
issue 16: the Dask path must give the same p-values), and region ``i`` can resume at permutation ``j`` without
drawing the ones before.

Generator
---------
SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators", OOPSLA '14; the
generator Java's ``SplittableRandom`` uses and the one Vigna recommends to seed xoshiro): output ``t`` of the
stream with seed ``k`` is ``mix(k + (t + 1) * GAMMA)`` modulo ``2**64``, with the 64-bit golden-ratio
increment ``GAMMA = 0x9E3779B97F4A7C15`` and Stafford's "variant 13" finaliser as ``mix``. Being a function of
the position ``t``, it is counter-based: ``t = (i << 38) | (j << 12) | q`` gives every (region ``i``,
permutation ``j``, word ``q``) its own position, and as ``GAMMA`` is odd, distinct positions never share an
output word. Region ``i`` owns the window ``[i * 2**38, (i + 1) * 2**38)`` of one SplitMix64 stream: its "own
seeded stream". SplitMix64 passes TestU01's BigCrush (Steele et al. 2014, section 5).

Draws
-----
Neighbour slot ``s`` of a permutation takes 32 bits of word ``q = s // 2``: the low half for even ``s``, the
high half for odd ``s`` (one 64-bit word feeds two draws). An integer uniform on ``[0, m)`` (``m < 2**32``) is
made from a 32-bit number ``u`` by Lemire's multiply-and-reject method (Lemire 2019, "Fast random integer
generation in an interval", ACM TOMACS 29(1), algorithm 5): ``x = u * m``; the draw is ``x >> 32`` unless the
low 32 bits of ``x`` are below ``2**32 mod m``, in which case ``u`` is rejected, so every integer has exactly
the same probability. A rejected draw (probability below ``m / 2**32``: under 1 in 4,000 for a million regions)
takes its next ``u`` from the SplitMix64 stream seeded with its word ``W``: attempt ``a = 1, 2, ...`` uses the
low 32 bits of that stream's output ``2a - 1 + h`` (``h`` = 0 for the low half, 1 for the high half).
:func:`integers_below` gives these draws; the permutation engines make exactly the same ones.

The key ``k`` is derived from the user's seed through :class:`numpy.random.SeedSequence`, which spreads nearby
seeds (1, 2, 3) to unrelated keys.

Limits: ``2**26`` regions (67 million), ``2**26`` permutations per region, ``2**12`` neighbours per region
(``2**11`` words);
:func:`check_stream_limits` says which one a request exceeds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from ideopolis.errors import MethodError

__all__ = [
    "MAX_NEIGHBOURS",
    "MAX_PERMUTATIONS",
    "MAX_REGIONS",
    "check_stream_limits",
    "draws_below",
    "integers_below",
    "lemire_threshold",
    "slot_draws",
    "splitmix64",
    "stream_key",
]

GAMMA = 0x9E3779B97F4A7C15
"""SplitMix64's increment: the odd integer nearest to ``2**64`` divided by the golden ratio."""
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_MASK = (1 << 64) - 1

_SLOT_BITS = 12
_PERM_BITS = 26
_REGION_SHIFT = _SLOT_BITS + _PERM_BITS  # 38

MAX_NEIGHBOURS = 1 << _SLOT_BITS
"""Neighbours a region may have (slots of one permutation)."""
MAX_PERMUTATIONS = 1 << _PERM_BITS
"""Permutations a region may draw (67,108,864)."""
MAX_REGIONS = 1 << (64 - _REGION_SHIFT)
"""Regions one test may hold (67,108,864)."""

U64Array = np.ndarray[Any, np.dtype[np.uint64]]
FloatArray = np.ndarray[Any, np.dtype[np.float64]]


def stream_key(seed: int) -> int:
    """Return the 64-bit SplitMix64 seed used for the user's ``seed``.

    Parameters
    ----------
    seed : int
        The run's seed (any non-negative integer).

    Returns
    -------
    int
        ``SeedSequence(seed).generate_state(1, uint64)[0]``.

    Examples
    --------
    >>> stream_key(12345) == stream_key(12345) != stream_key(12346)
    True
    """
    return int(np.random.SeedSequence(int(seed)).generate_state(1, np.uint64)[0])


def mix_in_place(z: U64Array, scratch: U64Array | None = None) -> U64Array:
    """Stafford's variant-13 finaliser (the SplitMix64 output function), in place.

    Parameters
    ----------
    z : numpy.ndarray of uint64
        SplitMix64 states; overwritten with the outputs.
    scratch : numpy.ndarray of uint64, optional
        A buffer of the same shape (saves an allocation).

    Returns
    -------
    numpy.ndarray
        ``z``.
    """
    tmp = np.empty_like(z) if scratch is None else scratch
    np.right_shift(z, 30, out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    np.multiply(z, _M1, out=z)
    np.right_shift(z, 27, out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    np.multiply(z, _M2, out=z)
    np.right_shift(z, 31, out=tmp)
    np.bitwise_xor(z, tmp, out=z)
    return z


def splitmix64(key: int, positions: Any) -> U64Array:
    """Return outputs ``positions`` (0-based) of the SplitMix64 stream seeded with ``key``.

    Parameters
    ----------
    key : int
        Seed of the stream (64 bits).
    positions : array-like of int
        Non-negative positions ``t`` below ``2**64``.

    Returns
    -------
    numpy.ndarray of uint64
        ``mix(key + (t + 1) * GAMMA)``, same shape as ``positions``.

    Examples
    --------
    The first outputs of SplitMix64 seeded with 0 (the reference implementation's test vector):

    >>> [hex(int(v)) for v in splitmix64(0, [0, 1])]
    ['0xe220a8397b1dcdaf', '0x6e789e6aa1b965f4']
    """
    t = np.asarray(positions, dtype=np.uint64)
    flat = np.atleast_1d(t).ravel()  # arrays wrap around modulo 2**64; numpy scalars would warn
    state = (flat + np.uint64(1)) * np.uint64(GAMMA) + np.uint64(key & _MASK)
    return mix_in_place(state).reshape(t.shape)


def check_stream_limits(n_regions: int, permutations: int, neighbours: int) -> None:
    """Raise when a test needs more regions, permutations or neighbours than the streams can address.

    Parameters
    ----------
    n_regions : int
        Regions in the test.
    permutations : int
        The most permutations a region runs.
    neighbours : int
        The most neighbours a region has.

    Raises
    ------
    MethodError
        Naming the limit exceeded and what to change.
    """
    if n_regions > MAX_REGIONS:
        raise MethodError(
            f"{n_regions:,} regions exceed the {MAX_REGIONS:,} one permutation test can hold; split the region set"
        )
    if permutations > MAX_PERMUTATIONS:
        raise MethodError(
            f"{permutations:,} permutations exceed the {MAX_PERMUTATIONS:,} a region's stream holds; "
            "ask for fewer (--max-permutations)"
        )
    if neighbours >= MAX_NEIGHBOURS:
        raise MethodError(
            f"a region has {neighbours:,} neighbours, more than the {MAX_NEIGHBOURS - 1:,} a permutation test "
            "supports; use fewer neighbours (a smaller --threshold-km or --k)"
        )


def lemire_threshold(bound: int) -> int:
    """``2**32 mod bound``: a 32-bit draw whose product with ``bound`` has low bits below it is rejected.

    Parameters
    ----------
    bound : int
        The draw's range ``m`` (``1 <= m <= 2**32``).

    Returns
    -------
    int
        ``(2**32 - m) % m`` (Lemire 2019, algorithm 5).

    Examples
    --------
    >>> lemire_threshold(3), lemire_threshold(2**31 + 1), lemire_threshold(2**20)
    (1, 2147483647, 0)
    """
    return ((1 << 32) - int(bound)) % int(bound)


def draws_below(words: U64Array, half: int, bound: int) -> U64Array:
    """Integers uniform on ``[0, bound)`` from the ``half`` (0 low, 1 high) 32 bits of SplitMix64 ``words``.

    Lemire's multiply-and-reject method; a rejected draw continues in the SplitMix64 stream seeded with its word
    (module docstring).

    Parameters
    ----------
    words : numpy.ndarray of uint64
        The words (outputs of :func:`splitmix64`), any shape.
    half : {0, 1}
        Which 32 bits of each word are the first candidate.
    bound : int
        ``m``, with ``1 <= m < 2**32``.

    Returns
    -------
    numpy.ndarray of uint64
        Same shape as ``words``.
    """
    mask = np.uint64(0xFFFFFFFF)
    m = np.uint64(bound)
    u = np.right_shift(words, np.uint64(32)) if half else np.bitwise_and(words, mask)
    x = np.multiply(u, m, out=u)
    threshold = np.uint64(lemire_threshold(bound))
    if threshold:
        redo = np.flatnonzero((x & mask) < threshold)
        attempt = 0
        while len(redo):
            attempt += 1
            state = words.reshape(-1)[redo] + np.uint64(((2 * attempt + half) * GAMMA) & _MASK)
            again = mix_in_place(state) & mask
            flat = x.reshape(-1)
            flat[redo] = again * m
            redo = redo[(flat[redo] & mask) < threshold]
    return np.right_shift(x, np.uint64(32), out=x)


def integers_below(key: int, regions: Any, permutations: Any, bounds: Any) -> U64Array:
    """The draws of each region x permutation x slot, slot ``s`` uniform on ``[0, bounds[s])``.

    Parameters
    ----------
    key : int
        :func:`stream_key` of the seed.
    regions : array-like of int
        Region positions ``i`` (``< MAX_REGIONS``), shape ``(r,)``.
    permutations : array-like of int
        Permutation numbers ``j`` (``< MAX_PERMUTATIONS``), shape ``(p,)``.
    bounds : array-like of int
        The range of each slot, ``1 <= m < 2**32``, shape ``(slots,)`` with ``slots <= MAX_NEIGHBOURS``.

    Returns
    -------
    numpy.ndarray of uint64
        Shape ``(r, p, slots)``: slot ``s`` from the low (even ``s``) or high (odd ``s``) 32 bits of the output
        at position ``(i << 38) | (j << 12) | (s // 2)``, by :func:`draws_below`.

    Examples
    --------
    >>> a = integers_below(stream_key(1), [0, 5], range(3), [10, 10, 7])
    >>> b = integers_below(stream_key(1), [5], [1, 2], [10, 10, 7])
    >>> a.shape, bool((a[1, 1:] == b[0]).all()), bool((a < 10).all())
    ((2, 3, 3), True, True)
    """
    bounds = [int(m) for m in np.atleast_1d(bounds)]
    regions = np.asarray(regions, dtype=np.int64)
    permutations = np.asarray(permutations, dtype=np.int64)
    out = np.empty((len(regions), len(permutations), len(bounds)), dtype=np.uint64)
    for s, draws in enumerate(slot_draws(key, regions, permutations, bounds)):
        out[..., s] = draws
    return out


def slot_draws(key: int, regions: np.ndarray, permutations: np.ndarray, bounds: Sequence[int]) -> Iterator[U64Array]:
    """Yield the draws of slot ``s = 0, 1, ...`` of each region x permutation, one slot at a time.

    What :func:`integers_below` returns, slot by slot (``integers_below(...)[..., s]``), holding one word per
    region x permutation instead of all slots: the numpy permutation engine's memory bound.

    Parameters
    ----------
    key : int
        :func:`stream_key` of the seed.
    regions, permutations : numpy.ndarray of int
        Region positions, shape ``(r,)``, and permutation numbers, shape ``(p,)``.
    bounds : sequence of int
        The range of each slot, ``1 <= m < 2**32``.

    Yields
    ------
    numpy.ndarray of uint64
        Shape ``(r, p)``, uniform on ``[0, bounds[s])``.
    """
    zero = slot_zero_states(key, regions, permutations)
    word = np.empty_like(zero)
    scratch = np.empty_like(zero)
    for s, m in enumerate(bounds):
        if s % 2 == 0:  # one word feeds two slots
            np.add(zero, slot_offset(s // 2), out=word)
            mix_in_place(word, scratch)
        yield draws_below(word, s % 2, int(m))


def slot_zero_states(key: int, regions: np.ndarray, permutations: np.ndarray) -> U64Array:
    """SplitMix64 states of word 0 of each region x permutation, shape ``(r, p)``.

    Word ``q`` is this plus :func:`slot_offset` ``(q)`` (modulo ``2**64``); :func:`mix_in_place` turns states
    into outputs.

    Parameters
    ----------
    key : int
        :func:`stream_key` of the seed.
    regions, permutations : numpy.ndarray of int
        Region positions and permutation numbers.

    Returns
    -------
    numpy.ndarray of uint64
    """
    gamma = np.uint64(GAMMA)
    base = (regions.astype(np.uint64) << np.uint64(_REGION_SHIFT)) * gamma + np.uint64((key + GAMMA) & _MASK)
    perm_part = (permutations.astype(np.uint64) << np.uint64(_SLOT_BITS)) * gamma
    return np.add(base[:, None], perm_part[None, :])


def slot_offset(slot: int) -> np.uint64:
    """What word ``slot`` adds to the state of word 0: ``slot * GAMMA`` modulo ``2**64``.

    Parameters
    ----------
    slot : int
        Word number ``q`` (slot ``s`` of a permutation uses word ``s // 2``).

    Returns
    -------
    numpy.uint64
    """
    return np.uint64((slot * GAMMA) & _MASK)
