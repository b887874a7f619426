"""Answer options as exact shares of a question's maximum (issue #13).

An option is worth a *share* of its question's points: 0, 1/4, 1/3, 2/5, 1 ... kept as an
exact fraction (numerator and denominator in the database), never as a rounded decimal, so
three points x 1/3 is exactly 1 and a city total is the exact rational sum of its answers.

How a written share is read (the one rule, used by the instrument workbook, the history import
and the data migration of options stored before):

* ``1/3``, ``2 / 7`` — a fraction, read exactly.
* ``0.75``, ``0,4``, ``0.125`` — a decimal with at most three decimals, read exactly.
* ``0.3333``, ``0.1667``, ``0.142857142857143`` (four decimals or more: typed by hand or a
  spreadsheet's float) — read as the simplest fraction with a denominator up to
  ``MAX_DENOMINATOR`` within half a unit of the last decimal written (0.3333 is 1/3,
  0.1429 is 1/7); when there is none, the decimal itself, exactly.
* ``=1/3``, ``=2/(3+4)`` — a formula of numbers, ``+ - * /`` and brackets, computed exactly.

:func:`read_share` returns the fraction and whether it was *interpreted* (rounded decimal or
formula), so that an import can say which fraction it read.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

#: The largest denominator a long decimal is recognised as (1/3, 1/6, 1/7, 1/9, 1/12 ...).
MAX_DENOMINATOR = 100
#: Decimals with at most this many decimal places are read exactly (0.125).
EXACT_PLACES = 3

_FRACTION = re.compile(r"^\s*(\d{1,18})\s*/\s*(\d{1,18})\s*$")
#: A number or formula longer than this, or written with an exponent (1e999), is not read:
#: no real share needs it, and computing one exactly could take minutes.
MAX_LENGTH = 60


@dataclass(frozen=True)
class ShareReading:
    value: Fraction
    #: True when the written text was a formula or a rounded decimal the import interpreted.
    interpreted: bool


def _places(number: Decimal) -> int:
    """How many decimals ``number`` is written with (0 for whole numbers)."""
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def simplest_fraction(number: Decimal) -> Fraction:
    """The simplest fraction (smallest denominator up to ``MAX_DENOMINATOR``) within half a
    unit of ``number``'s last decimal place; ``number`` exactly when there is none."""
    exponent = _places(number)
    exact = Fraction(number)
    tolerance = Fraction(1, 2) * Fraction(1, 10**exponent)
    for denominator in range(1, MAX_DENOMINATOR + 1):
        numerator = round(exact * denominator)
        candidate = Fraction(numerator, denominator)
        if abs(candidate - exact) <= tolerance:
            return candidate
    return exact


def _decimal(text: str) -> Decimal | None:
    if len(text) > MAX_LENGTH or "e" in text.lower():
        return None
    try:
        number = Decimal(text.strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _formula(text: str) -> Fraction | None:
    """A formula of plain numbers and + - * / ( ), computed exactly; None for anything else
    (cell references, functions)."""
    if len(text) > MAX_LENGTH or "e" in text.lower():
        return None
    try:
        tree = ast.parse(text.replace(",", "."), mode="eval")
    except (SyntaxError, ValueError):
        return None

    def value(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Expression):
            return value(node.body)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            return Fraction(Decimal(repr(node.value)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = value(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp) and isinstance(
            node.op, ast.Add | ast.Sub | ast.Mult | ast.Div
        ):
            left, right = value(node.left), value(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            return left / right  # ZeroDivisionError is caught below
        raise ValueError("not a plain arithmetic formula")

    try:
        return value(tree)
    except (ValueError, ZeroDivisionError, RecursionError, OverflowError):
        return None


def read_share(text: str) -> ShareReading | None:
    """The exact share ``text`` stands for (see the module docstring), or None when it is
    not a number, a fraction or a plain formula. The range (0 to 1) is the caller's check."""
    text = text.strip()
    if text.startswith("="):
        formula = _formula(text[1:])
        return ShareReading(formula, True) if formula is not None else None
    match = _FRACTION.match(text)
    if match:
        numerator, denominator = int(match[1]), int(match[2])
        if denominator == 0:
            return None
        return ShareReading(Fraction(numerator, denominator), False)
    number = _decimal(text)
    if number is None:
        return None
    if _places(number) <= EXACT_PLACES:
        return ShareReading(Fraction(number), False)
    share = simplest_fraction(number)
    return ShareReading(share, share != Fraction(number))


def share_text(share: Fraction) -> str:
    """A share as it is written back: a decimal when it has one of at most ``EXACT_PLACES``
    places (``0.75``), else the fraction (``1/3``), so that reading it again is exact."""
    decimal = Decimal(share.numerator) / Decimal(share.denominator)
    if Fraction(decimal) == share and _places(decimal.normalize()) <= EXACT_PLACES:
        return format(decimal.normalize(), "f")
    return f"{share.numerator}/{share.denominator}"
