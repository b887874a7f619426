"""Linear programmes solved with HiGHS (highspy): one model, many objectives."""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence

import highspy
import numpy as np

INF = highspy.kHighsInf


def _without_banner() -> None:
    """HiGHS prints a banner on standard output when the first solver of a process is made;
    make that one with standard output closed, so no page or command prints it."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()  # type: ignore[no-untyped-call]
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_without_banner()


_UNSETTLED = (
    highspy.HighsModelStatus.kUnknown,
    highspy.HighsModelStatus.kNotset,
    highspy.HighsModelStatus.kSolveError,
)


class Program:
    """min/max of single columns (or a cost vector) over ``lower <= A x <= upper`` with column
    bounds, built once and re-solved with changed objectives."""

    def __init__(
        self,
        col_lower: Sequence[float],
        col_upper: Sequence[float],
        rows: Sequence[tuple[Sequence[int], Sequence[float], float, float]],
    ) -> None:
        lp = highspy.HighsLp()
        lp.num_col_ = len(col_lower)
        lp.num_row_ = len(rows)
        lp.col_cost_ = np.zeros(len(col_lower))
        lp.col_lower_ = np.array(col_lower, dtype=np.float64)
        lp.col_upper_ = np.array([INF if math.isinf(u) else u for u in col_upper], dtype=np.float64)
        starts: list[int] = [0]
        index: list[int] = []
        value: list[float] = []
        lower, upper = [], []
        for cols, coefs, low, high in rows:
            index.extend(cols)
            value.extend(coefs)
            starts.append(len(index))
            lower.append(-INF if math.isinf(low) else low)
            upper.append(INF if math.isinf(high) else high)
        lp.row_lower_ = np.array(lower, dtype=np.float64)
        lp.row_upper_ = np.array(upper, dtype=np.float64)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(value, dtype=np.float64)
        self.columns = len(col_lower)
        self.highs = highspy.Highs()  # type: ignore[no-untyped-call]
        self.highs.setOptionValue("output_flag", False)
        self.highs.setOptionValue("threads", 1)
        self.highs.passModel(lp)
        self._costed: list[int] = []

    def _objective(self, costs: dict[int, float]) -> None:
        if self._costed:
            idx = np.array(self._costed, dtype=np.int32)
            self.highs.changeColsCost(len(idx), idx, np.zeros(len(idx)))
        idx = np.array(list(costs), dtype=np.int32)
        self.highs.changeColsCost(len(idx), idx, np.array(list(costs.values()), dtype=np.float64))
        self._costed = list(costs)

    def _run(self) -> highspy.HighsModelStatus:
        """Solve; a warm start that ends without a verdict is solved again from scratch, then
        without presolve."""
        self.highs.run()
        status = self.highs.getModelStatus()
        for option, value in (("presolve", "choose"), ("presolve", "off")):
            if status not in _UNSETTLED:
                break
            self.highs.clearSolver()
            self.highs.setOptionValue(option, value)
            self.highs.run()
            status = self.highs.getModelStatus()
        self.highs.setOptionValue("presolve", "choose")
        return status

    def solve(self, costs: dict[int, float], maximize: bool = False) -> tuple[float, list[float]]:
        """The optimum (``inf``/``-inf`` when unbounded, ``nan`` when infeasible) and the
        column values at it."""
        self._objective(costs)
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)
        status = self._run()
        if status == highspy.HighsModelStatus.kOptimal:
            return (
                float(self.highs.getInfo().objective_function_value),
                list(self.highs.getSolution().col_value),
            )
        if status in (
            highspy.HighsModelStatus.kUnbounded,
            highspy.HighsModelStatus.kUnboundedOrInfeasible,
        ):
            return (math.inf if maximize else -math.inf), []
        if status == highspy.HighsModelStatus.kInfeasible:
            return math.nan, []
        raise RuntimeError(f"HiGHS stopped with {status}")
