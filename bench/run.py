"""``make bench``: every benchmark part, each writing its keys into bench/results.json.

``python -m bench.run`` runs them all; ``python -m bench.run careers scale`` runs some.
Targets are reported, never asserted: timings depend on the machine (exit code 0).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from bench.common import RESULTS, merge


def _scoring() -> tuple[dict[str, Any], str]:
    from bench import scoring

    results = scoring.run()
    return results, scoring.summary(results)


def _careers() -> tuple[dict[str, Any], str]:
    from bench import careers

    results = careers.run()
    return results, careers.summary(results)


def _scale() -> tuple[dict[str, Any], str]:
    from bench import scale

    results = scale.run()
    return results, scale.summary(results)


def _hostile() -> tuple[dict[str, Any], str]:
    from bench import hostile

    results = hostile.run()
    return results, hostile.summary(results)


def _retraining() -> tuple[dict[str, Any], str]:
    from bench import retraining

    results = retraining.run()
    return results, retraining.summary(results)


def _api() -> tuple[dict[str, Any], str]:
    from bench import api

    results = api.run()
    return results, api.summary(results)


PARTS: dict[str, Callable[[], tuple[dict[str, Any], str]]] = {
    "scoring": _scoring,
    "careers": _careers,
    "hostile": _hostile,
    "scale": _scale,
    "retraining": _retraining,
    "api": _api,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("parts", nargs="*", help=f"some of {', '.join(PARTS)} (default: all)")
    args = parser.parse_args(argv)
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
    for name in args.parts or list(PARTS):
        print(f"== {name}", flush=True)
        results, text = PARTS[name]()
        merge(results)
        print(text, flush=True)
    print(f"written to {RESULTS}")
    return 0  # a missed target is reported above, not an error


if __name__ == "__main__":
    sys.exit(main())
