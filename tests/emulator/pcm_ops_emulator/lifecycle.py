"""The life of a Run Command invocation, computed from timestamps when it is read.

Nothing runs in the background: an invocation knows when it leaves Pending and when it ends, and its
status is derived from the clock at each read. That keeps the emulator deterministic under load and
free of timer threads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .outcomes import Outcome

PENDING = ("Pending", "Pending")
IN_PROGRESS = ("InProgress", "InProgress")
CANCELLED = ("Cancelled", "Cancelled")

# Invocation outcomes that count against MaxErrors (AWS: Failed and Execution Timed Out).
ERROR_DETAILS = {"Failed", "Execution Timed Out"}


@dataclass
class Invocation:
    instance_id: str
    outcome: Outcome
    requested_at: float
    start_at: float
    end_at: float
    cancelled_at: float | None = None

    def status(self, now: float) -> tuple[str, str]:
        if self.cancelled_at is not None:
            return CANCELLED
        if now >= self.end_at:
            return (self.outcome.status, self.outcome.status_details)
        if now >= self.start_at and self.outcome.started:
            return IN_PROGRESS
        return PENDING

    def is_terminal(self, now: float) -> bool:
        return self.cancelled_at is not None or now >= self.end_at

    def has_outcome(self, now: float) -> bool:
        """True once the scripted outcome (exit code, output) is visible."""
        return self.cancelled_at is None and now >= self.end_at

    def started_at(self, now: float) -> float | None:
        stop = self.cancelled_at if self.cancelled_at is not None else now
        return self.start_at if self.outcome.started and stop >= self.start_at else None

    def finished_at(self, now: float) -> float | None:
        if self.cancelled_at is not None:
            return self.cancelled_at
        return self.end_at if now >= self.end_at else None

    def cancel(self, now: float) -> None:
        if not self.is_terminal(now):
            self.cancelled_at = now


@dataclass
class TrackedCommand:
    command_id: str
    account: str
    region: str
    document_name: str
    comment: str
    max_errors: str
    requested_at: float
    invocations: dict[str, Invocation] = field(default_factory=dict)

    def invocation_list(self) -> list[Invocation]:
        return list(self.invocations.values())


@dataclass(frozen=True)
class CommandSummary:
    status: str
    status_details: str
    target_count: int
    completed_count: int
    error_count: int
    delivery_timed_out_count: int


def allowed_errors(max_errors: str, target_count: int) -> int:
    """MaxErrors is a count ("3") or a percentage of the targets ("10%")."""
    text = (max_errors or "0").strip()
    if text.endswith("%"):
        return math.floor(float(text[:-1]) * target_count / 100)
    return int(text)


def summarize(command: TrackedCommand, now: float) -> CommandSummary:
    details = [inv.status(now)[1] for inv in command.invocation_list()]
    completed = sum(1 for inv in command.invocation_list() if inv.is_terminal(now))
    errors = sum(1 for d in details if d in ERROR_DETAILS)
    delivery_timeouts = details.count("Delivery Timed Out")
    status = _command_status(command, details, completed)
    return CommandSummary(
        status=status[0],
        status_details=status[1],
        target_count=len(details),
        completed_count=completed,
        error_count=errors,
        delivery_timed_out_count=delivery_timeouts,
    )


def _command_status(command: TrackedCommand, details: list[str], completed: int) -> tuple[str, str]:
    if completed < len(details):
        return PENDING if all(d == "Pending" for d in details) else IN_PROGRESS
    return _final_status(details, allowed_errors(command.max_errors, len(details)))


def _final_status(details: list[str], allowed: int) -> tuple[str, str]:
    # AWS documents the detailed statuses but not every Status/StatusDetails pair; "Incomplete"
    # (terminal, not all Success, fewer errors than MaxErrors allows) is reported here as Failed.
    errors = [d for d in details if d in ERROR_DETAILS]
    if "Cancelled" in details:
        return CANCELLED
    if len(errors) > allowed:
        if all(d == "Execution Timed Out" for d in errors):
            return ("TimedOut", "Execution Timed Out")
        return ("Failed", "Failed")
    if details.count("Delivery Timed Out") > allowed:
        return ("TimedOut", "Delivery Timed Out")
    if all(d == "Success" for d in details):
        return ("Success", "Success")
    return ("Failed", "Incomplete")
