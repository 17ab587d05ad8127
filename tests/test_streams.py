"""Per-region random streams: the SplitMix64 reference, each region's own window, limits."""

from __future__ import annotations

import numpy as np
import pytest

from ideopolis.errors import MethodError
from ideopolis.spatial.streams import (
    MAX_NEIGHBOURS,
    MAX_PERMUTATIONS,
    MAX_REGIONS,
    check_stream_limits,
    splitmix64,
    stream_key,
    uniforms,
    words_by_slot,
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


def test_each_region_permutation_and_slot_has_its_own_position() -> None:
    key = stream_key(7)
    regions, perms, slots = np.array([0, 3, 1000]), np.array([0, 1, 5, 2**20]), 3
    u = uniforms(key, regions, perms, slots)
    for a, i in enumerate(regions):
        for b, j in enumerate(perms):
            for s in range(slots):
                word = int(splitmix64(key, (int(i) << 38) | (int(j) << 12) | s))
                assert u[a, b, s] == (word >> 11) * 2.0**-53
    np.testing.assert_array_equal(words_by_slot(key, regions, perms, slots).transpose(1, 2, 0) >> 11, u * 2**53)


def test_a_region_draws_the_same_numbers_whatever_it_is_computed_with() -> None:
    key = stream_key(12345)
    together = uniforms(key, np.arange(10), np.arange(50), 4)
    alone = uniforms(key, [6], np.arange(20, 50), 4)
    np.testing.assert_array_equal(together[6, 20:], alone[0])


def test_seeds_and_regions_give_different_numbers() -> None:
    a = uniforms(stream_key(1), [0, 1], np.arange(1000), 1)
    b = uniforms(stream_key(2), [0, 1], np.arange(1000), 1)
    assert not np.array_equal(a, b) and not np.array_equal(a[0], a[1])
    assert stream_key(1) != stream_key(2)
    # uniform on [0, 1): mean 1/2 and variance 1/12, to within a few standard errors over 2,000 numbers
    values = np.concatenate([a.ravel(), b.ravel()])
    assert values.min() >= 0 and values.max() < 1
    assert abs(values.mean() - 0.5) < 4 * np.sqrt(1 / 12 / values.size)
    assert abs(values.var() - 1 / 12) < 0.01


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
