"""The life of a Run Command invocation, computed from timestamps when it is read.

Nothing runs in the background: an invocation knows when it leaves Pending and when it ends, and its
status is derived from the clock at each read. That keeps the emulator deterministic under load and
free of timer threads.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field

from .outcomes import Outcome

PENDING = ("Pending", "Pending")
IN_PROGRESS = ("InProgress", "InProgress")
CANCELLED = ("Cancelled", "Cancelled")
CANCELLING = ("Cancelling", "Cancelling")
# The parent command exceeded its MaxErrors: the system cancelled this invocation before it started.
TERMINATED = ("Failed", "Terminated")

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
    # CancelCommand reached it while it ran: Cancelling from here until cancelled_at.
    cancel_requested_at: float | None = None
    # The command's MaxErrors was exceeded before this one started.
    terminated_at: float | None = None

    def status(self, now: float) -> tuple[str, str]:
        if self.terminated_at is not None and now >= self.terminated_at:
            return TERMINATED
        if self.cancelled_at is not None and now >= self.cancelled_at:
            return CANCELLED
        if self.cancelled_at is not None:
            return CANCELLING
        if now >= self.end_at:
            return (self.outcome.status, self.outcome.status_details)
        if now >= self.start_at and self.outcome.started:
            return IN_PROGRESS
        return PENDING

    def is_terminal(self, now: float) -> bool:
        if self.terminated_at is not None and now >= self.terminated_at:
            return True
        if self.cancelled_at is not None:
            return now >= self.cancelled_at
        return now >= self.end_at

    def has_outcome(self, now: float) -> bool:
        """True once the scripted outcome (exit code, output) is visible."""
        return self.cancelled_at is None and self.terminated_at is None and now >= self.end_at

    def started_at(self, now: float) -> float | None:
        if self.terminated_at is not None:
            return None
        stop = self.cancelled_at if self.cancelled_at is not None else now
        return self.start_at if self.outcome.started and min(stop, now) >= self.start_at else None

    def finished_at(self, now: float) -> float | None:
        if self.terminated_at is not None:
            return self.terminated_at if now >= self.terminated_at else None
        if self.cancelled_at is not None:
            return self.cancelled_at if now >= self.cancelled_at else None
        return self.end_at if now >= self.end_at else None

    def cancel(self, now: float, cancel_seconds: float = 0.0) -> None:
        if self.is_terminal(now) or self.cancelled_at is not None:
            return
        running = now >= self.start_at and self.outcome.started
        if running and cancel_seconds > 0:
            # the agent stops the running script, which takes a moment: Cancelling meanwhile
            self.cancel_requested_at = now
            self.cancelled_at = now + cancel_seconds
        else:
            self.cancelled_at = now


def allowed_concurrency(max_concurrency: str, target_count: int) -> int:
    """MaxConcurrency is a count ("10") or a percentage of the targets ("10%"); at least 1."""
    text = (max_concurrency or "50").strip()
    if text.endswith("%"):
        return max(1, math.floor(float(text[:-1]) * target_count / 100))
    return max(1, int(text))


def schedule(invocations: list[Invocation], max_concurrency: str, max_errors: str) -> None:
    """SSM's own rate control inside one command, as the service applies it.

    At most MaxConcurrency invocations run at once: the others wait Pending, in order, for a slot.
    Once more than MaxErrors invocations have failed (Failed or Execution Timed Out), the ones not
    yet started are Terminated; the ones running finish.
    """
    limit = allowed_concurrency(max_concurrency, len(invocations))
    running: list[float] = []
    for invocation in invocations:
        if len(running) >= limit:
            free_at = heapq.heappop(running)
            delay = max(0.0, free_at - invocation.requested_at)
            invocation.start_at += delay
            invocation.end_at += delay
        heapq.heappush(running, invocation.end_at)
    allowed = allowed_errors(max_errors, len(invocations))
    errors = 0
    for invocation in sorted(invocations, key=lambda inv: inv.end_at):
        if invocation.outcome.status_details not in ERROR_DETAILS:
            continue
        errors += 1
        if errors > allowed:
            stop_at = invocation.end_at
            for later in invocations:
                if later.start_at > stop_at:
                    later.terminated_at = stop_at
            return


@dataclass
class TrackedCommand:
    command_id: str
    account: str
    region: str
    document_name: str
    comment: str
    max_errors: str
    requested_at: float
    max_concurrency: str = "50"
    invocations: dict[str, Invocation] = field(default_factory=dict)
    # SendCommand's OutputS3* fields: where the agent uploads each invocation's whole output.
    output_s3_bucket: str = ""
    output_s3_key_prefix: str = ""
    output_s3_region: str = ""

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
