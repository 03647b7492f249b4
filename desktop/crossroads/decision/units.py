"""Ranges as people read them: two significant figures, a sensible unit, never false precision."""

from __future__ import annotations

Range = tuple[float, float]

_TIME_STEPS = ((120.0, 1.0, "s"), (2 * 3600.0, 60.0, "min"), (72 * 3600.0, 3600.0, "h"))
_BYTE_STEPS = ((1024.0**2, 1024.0, "KB"), (1024.0**3, 1024.0**2, "MB"), (1024.0**4, 1024.0**3, "GB"))


def add(a: Range, b: Range) -> Range:
    return (a[0] + b[0], a[1] + b[1])


def mul(a: Range, b: Range) -> Range:
    return (a[0] * b[0], a[1] * b[1])


def div(a: Range, b: Range) -> Range:
    """The widest honest range: smallest numerator over largest denominator, and the reverse."""
    return (a[0] / b[1], a[1] / b[0])


def scale(a: Range, factor: float) -> Range:
    return (a[0] * factor, a[1] * factor)


def number(x: float) -> str:
    """Whole numbers below 1,000, else two significant figures: 1234 -> "1,200", 0.0456 -> "0.046"."""
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        digits = len(str(int(abs(x)))) - 2
        return f"{round(x, -digits):,.0f}"
    if abs(x) >= 10:
        return f"{x:.0f}"
    if abs(x) >= 1:
        return f"{x:.1f}".rstrip("0").rstrip(".")
    return f"{x:.2g}"


def _pick(value: float, unit: str) -> tuple[float, str]:
    """The divisor and unit name that show ``value`` (in seconds or bytes) most readably."""
    if unit == "s":
        for limit, divisor, name in _TIME_STEPS:
            if value < limit:
                return divisor, name
        return 86400.0, "days"
    if unit == "bytes":
        if value < 1024:
            return 1.0, "bytes"
        for limit, divisor, name in _BYTE_STEPS:
            if value < limit:
                return divisor, name
        return 1024.0**4, "TB"
    return 1.0, unit


def format_range(low: float, high: float, unit: str) -> str:
    """ "12–45 min", "about 1.5 KB", "40 s – 3 h" (each end in its own unit when they differ)."""
    div_lo, unit_lo = _pick(low, unit)
    div_hi, unit_hi = _pick(high, unit)
    if unit_lo != unit_hi:
        return f"{number(low / div_lo)} {unit_lo} – {number(high / div_hi)} {unit_hi}"
    lo, hi = number(low / div_hi), number(high / div_hi)
    if lo == hi:
        return f"about {lo} {unit_hi}"
    return f"{lo}–{hi} {unit_hi}"
