"""Per-region random streams: the SplitMix64 reference, each region's own window, Lemire's draws, limits."""

from __future__ import annotations

import numpy as np
import pytest

from ideopolis.errors import MethodError
from ideopolis.spatial.streams import (
    MAX_NEIGHBOURS,
    MAX_PERMUTATIONS,
    MAX_REGIONS,
    check_stream_limits,
    draws_below,
    integers_below,
    lemire_threshold,
    splitmix64,
    stream_key,
)

MASK = (1 << 64) - 1


def reference_splitmix64(seed: int, count: int) -> list[int]:
    """SplitMix64 written out one step at a time (Steele, Lea & Flood 2014; Vigna's splitmix64.c)."""
    state, out = seed, []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        out.append(z ^ (z >> 31))
    return out


def test_published_outputs_of_splitmix64_seeded_with_zero() -> None:
    published = [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F, 0xF88BB8A8724C81EC]
    assert [int(v) for v in splitmix64(0, range(4))] == published
    assert reference_splitmix64(0, 4) == published


@pytest.mark.parametrize("seed", [1, 12345, 2**64 - 1])
def test_positions_match_the_sequential_generator(seed: int) -> None:
    key = stream_key(seed)
    sequence = reference_splitmix64(key, 300)
    assert [int(v) for v in splitmix64(key, np.arange(300))] == sequence
    assert int(splitmix64(key, 7)) == sequence[7]  # a scalar position


def reference_draw(key: int, i: int, j: int, s: int, bound: int) -> int:
    """Slot ``s``'s draw below ``bound`` written out from the module's description, one number at a time."""
    word = reference_splitmix64((key + (((i << 38) | (j << 12) | (s // 2)) * 0x9E3779B97F4A7C15)) & MASK, 1)[0]
    half = s % 2
    u = (word >> 32) if half else (word & 0xFFFFFFFF)
    attempt = 0
    while ((u * bound) & 0xFFFFFFFF) < (2**32 - bound) % bound:  # Lemire (2019): reject the short last interval
        attempt += 1
        u = reference_splitmix64(word, 2 * attempt + half)[-1] & 0xFFFFFFFF  # output 2a - 1 + h (0-based)
    return (u * bound) >> 32


@pytest.mark.parametrize("bound", [1, 7, 1_000_003, 2**31 + 1, 2**32 - 5], ids=str)
def test_each_region_permutation_and_slot_draws_from_its_own_position(bound: int) -> None:
    key = stream_key(7)
    regions, perms, slots = np.array([0, 3, 1000]), np.array([0, 1, 5, 2**20]), 5
    got = integers_below(key, regions, perms, [bound] * slots)
    assert got.shape == (3, 4, 5)
    for a, i in enumerate(regions):
        for b, j in enumerate(perms):
            for s in range(slots):
                assert int(got[a, b, s]) == reference_draw(key, int(i), int(j), s, bound), (i, j, s)


def test_rejected_draws_follow_their_word_stream_and_stay_uniform() -> None:
    # bound 2**31 + 1 rejects about half of all 32-bit numbers, so most draws take one or more further attempts
    bound = 2**31 + 1
    assert lemire_threshold(bound) == 2**31 - 1
    words = splitmix64(stream_key(3), np.arange(20_000))
    for half in (0, 1):
        got = draws_below(words.copy(), half, bound)
        assert int(got.max()) < bound
        expected = [reference_draw_from_word(int(w), half, bound) for w in words[:300]]
        assert [int(v) for v in got[:300]] == expected
        # uniform on [0, bound): mean (bound - 1) / 2, variance bound**2 / 12, to within a few standard errors
        share = got.astype(np.float64) / bound
        assert abs(float(share.mean()) - 0.5) < 4 * np.sqrt(1 / 12 / len(got))
        # without the rejection the draw would be u * bound >> 32 of the first half: about half of them differ
        first = ((words >> np.uint64(32)) if half else (words & np.uint64(0xFFFFFFFF))) * np.uint64(bound)
        assert 0.4 < float(((first >> np.uint64(32)) != got).mean()) < 0.6


def reference_draw_from_word(word: int, half: int, bound: int) -> int:
    u = (word >> 32) if half else (word & 0xFFFFFFFF)
    attempt = 0
    while ((u * bound) & 0xFFFFFFFF) < (2**32 - bound) % bound:
        attempt += 1
        u = reference_splitmix64(word, 2 * attempt + half)[-1] & 0xFFFFFFFF
    return (u * bound) >> 32


@pytest.mark.parametrize("bound", [3, 2**31 + 1, 2**32 - 5], ids=str)
def test_compiled_draws_equal_the_numpy_draws(bound: int) -> None:
    pytest.importorskip("numba")
    from ideopolis.spatial._numba_kernel import draws_below_kernel

    words = splitmix64(stream_key(11), np.arange(5_000))
    for half in (0, 1):
        np.testing.assert_array_equal(draws_below_kernel(words, half, bound), draws_below(words.copy(), half, bound))


def test_small_ranges_are_exactly_uniform() -> None:
    # Lemire's rejection makes each of 3 outcomes equally likely (2**32 is not a multiple of 3)
    stats = pytest.importorskip("scipy.stats")
    got = integers_below(stream_key(5), np.arange(300), np.arange(200), [3, 3])
    counts = np.bincount(got.ravel().astype(np.int64), minlength=3)
    assert counts.sum() == 120_000 and stats.chisquare(counts).pvalue > 1e-4


def test_a_region_draws_the_same_numbers_whatever_it_is_computed_with() -> None:
    key = stream_key(12345)
    together = integers_below(key, np.arange(10), np.arange(50), [100, 101, 102, 103])
    alone = integers_below(key, [6], np.arange(20, 50), [100, 101, 102, 103])
    np.testing.assert_array_equal(together[6, 20:], alone[0])


def test_seeds_and_regions_give_different_numbers() -> None:
    a = integers_below(stream_key(1), [0, 1], np.arange(1000), [1000, 1000])
    b = integers_below(stream_key(2), [0, 1], np.arange(1000), [1000, 1000])
    assert not np.array_equal(a, b) and not np.array_equal(a[0], a[1])
    assert stream_key(1) != stream_key(2)
    # uniform on {0, ..., 999}: mean 499.5 and variance (1000**2 - 1) / 12, to within a few standard errors
    values = np.concatenate([a.ravel(), b.ravel()]).astype(np.float64)
    assert values.min() >= 0 and values.max() < 1000
    assert abs(values.mean() - 499.5) < 4 * np.sqrt((1000**2 - 1) / 12 / values.size)
    assert abs(values.var() / ((1000**2 - 1) / 12) - 1) < 0.05
    # the low and high halves of one word are not the same number
    assert not np.array_equal(a[..., 0], a[..., 1])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((MAX_REGIONS + 1, 10, 5), "regions exceed the 67,108,864 one permutation test can hold"),
        ((10, MAX_PERMUTATIONS + 1, 5), "permutations exceed the 67,108,864 a region's stream holds"),
        ((10, 10, MAX_NEIGHBOURS), "a region has 4,096 neighbours, more than the 4,095"),
    ],
    ids=["regions", "permutations", "neighbours"],
)
def test_limits_are_named(args: tuple[int, int, int], message: str) -> None:
    with pytest.raises(MethodError, match=message):
        check_stream_limits(*args)
    check_stream_limits(MAX_REGIONS, MAX_PERMUTATIONS, MAX_NEIGHBOURS - 1)
