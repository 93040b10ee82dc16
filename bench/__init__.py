"""Performance benchmarks; run with ``python -m bench.run`` (or ``make bench``)."""
