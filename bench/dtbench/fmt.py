"""Small formatting helpers of the report's tables."""

import statistics


def med(rs, key):
    return statistics.median(r[key] for r in rs)


def ms(x):
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:.0f}"


def ratio(ext, other):
    return f"{ext / other:.2f}×" if other else "–"
