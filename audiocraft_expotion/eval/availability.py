"""How a metric says it could not be computed.

A metric whose model weights, inputs or optional package are missing is reported as
``Unavailable(reason)`` (printed ``unavailable: <reason>``) in every table, never dropped or
replaced by zero.
"""
import typing as tp
from dataclasses import dataclass


class MetricUnavailable(RuntimeError):
    """Raised by a loader when a metric cannot run here (missing weights, package or inputs)."""


@dataclass(frozen=True)
class Unavailable:
    """A metric value that could not be computed, with the reason why."""
    reason: str

    def __str__(self) -> str:
        return f"unavailable: {self.reason}"


MetricValue = tp.Union[float, Unavailable]
