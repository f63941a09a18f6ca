"""Synthetic default data: procedural landscape images and simulated DNA reads.

Nothing here is real: the landscapes are painted by numpy code and the reads are simulated from a
seeded random genome. They let ``dnagan run`` work without any data; see ``docs/data.md`` for how
to use real photos and real DNA instead.
"""
