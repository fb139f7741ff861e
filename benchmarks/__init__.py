"""glassgrad's benchmark: ``python -m benchmarks.bench`` (see ``bench.py``).

``bench.py`` runs the sections and prints the tables, ``workloads.py`` builds
each workload with any engine's ``Value``, ``floor.py`` does the same math by
hand on floats, and ``measure.py`` holds the timing, memory and profiling tools.
"""
