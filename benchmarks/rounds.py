"""Shared by the benchmarks that compare ways of doing one thing in the same run."""

from __future__ import annotations

import statistics
from typing import Callable


def medians(ways: dict[str, Callable[[], tuple[float, float]]],
            rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Each way's (CPU, wall) measured once a round, the ways in turn so that all see the same
    load on a shared machine; the median CPU and the median wall of each way."""
    taken: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, measure in ways.items():
            taken[way].append(measure())
    cpu = {way: statistics.median(t[0] for t in found) for way, found in taken.items()}
    wall = {way: statistics.median(t[1] for t in found) for way, found in taken.items()}
    return cpu, wall
