"""The benchmark harness behind `make bench`.

Each figure is printed beside a floor measured in the same run, as a ratio, and
written to bench/results.json:
{"<figure>": {"value", "unit", "floor", "ratio", "target", "meets"}}.

A benchmark module `bench/<name>.py` defines `run(h: Harness)`: it fills the
database at `h.scale` ("small" or "full"), measures floors with `h.floor(...)`
and figures with `h.figure(...)`.
"""

import contextlib
import json
import os
import statistics
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

# Bench clients log in through the backend a real login goes through (settings.AUTHENTICATION_BACKENDS).
LOGIN_BACKEND = "frames.backends.RoleModelBackend"
# BENCH_RESULTS writes a trial run elsewhere, leaving the recorded figures alone.
RESULTS = Path(os.environ.get("BENCH_RESULTS") or Path(__file__).parent / "results.json")


def bare_view(request):
    """The bare-view floor: a trivial JSON response through the same middleware and login."""
    from django.http import JsonResponse

    return JsonResponse({"ok": True, "user": request.user.get_username()})


@contextlib.contextmanager
def serving(urlconf):
    """Requests through django.test.Client in-process, routed by the bench module's own
    `urlpatterns` (the test Client's host, no real e-mail)."""
    from django.test.utils import override_settings, setup_test_environment, teardown_test_environment

    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    setup_test_environment()
    try:
        with override_settings(ROOT_URLCONF=urlconf):
            yield
    finally:
        teardown_test_environment()


@dataclass
class Measure:
    value: float
    unit: str
    higher_is_better: bool


@dataclass
class Harness:
    scale: str = "full"
    floors: dict = field(default_factory=dict)
    results: dict = field(default_factory=dict)

    @property
    def small(self):
        return self.scale == "small"

    def n(self, full, small):
        """A count at this scale."""
        return small if self.small else full

    def floor(self, name, value, unit, higher_is_better=True):
        self.floors[name] = Measure(value, unit, higher_is_better)
        print(f"  floor  {name:<58} {value:>12.4g} {unit}")

    def figure(self, name, value, unit, *, floor, target, higher_is_better=True):
        """Record a figure against a floor of this run.

        For rates (higher is better) ratio = value / floor and the target is a
        minimum ratio (0.2 = at least 1/5 of the floor). For times ratio =
        value / floor and the target is a maximum (4 = within 4x of the floor).
        A target of None records a figure for context or comparison only
        (meets = None: neither a pass nor a miss)."""
        base = self.floors[floor]
        ratio = value / base.value if base.value else float("inf")
        if target is None:
            meets = None
        else:
            meets = ratio >= target if higher_is_better else ratio <= target
        self.results[name] = {"value": round(value, 6), "unit": unit, "floor": floor, "ratio": round(ratio, 4), "target": target, "meets": meets}
        mark = "info" if meets is None else ("ok " if meets else "MISS")
        cmp = ">=" if higher_is_better else "<="
        goal = "context" if target is None else f"target {cmp} {target}"
        print(f"  {mark:<4}  {name:<58} {value:>12.4g} {unit}  ratio {ratio:7.3f} ({goal})")

    @staticmethod
    def timings(fn, repeat=20, warmup=2):
        """Seconds per call of fn, `repeat` times after `warmup` calls."""
        for _ in range(warmup):
            fn()
        out = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
        return out

    @staticmethod
    def alternately(first, second, repeat=20, warmup=3):
        """Seconds per call of each, one sample of each in turn (after `warmup` of each): a floor
        and its figure see the same load, where measured one after the other they may not (the
        machine's speed moves between two measurements taken seconds apart)."""
        for _ in range(warmup):
            first()
            second()
        a, b = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            first()
            a.append(time.perf_counter() - start)
            start = time.perf_counter()
            second()
            b.append(time.perf_counter() - start)
        return a, b

    @staticmethod
    def p50(samples):
        return statistics.median(samples)

    @staticmethod
    def p95(samples):
        ordered = sorted(samples)
        return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]

    @staticmethod
    def once(fn):
        start = time.perf_counter()
        result = fn()
        return time.perf_counter() - start, result

    def write(self):
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        existing.update(self.results)
        RESULTS.write_text(json.dumps(existing, indent=2, sort_keys=True) + "\n")
