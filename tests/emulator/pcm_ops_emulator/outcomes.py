"""Scripted outcomes: how an invocation ends, chosen per instance id or per command text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The (Status, StatusDetails) pair AWS reports for each outcome a test can ask for. The SSM model has
# no Status value for Undeliverable or Terminated; they are reported under Failed.
STATUS_PAIRS: dict[str, tuple[str, str]] = {
    "Success": ("Success", "Success"),
    "Failed": ("Failed", "Failed"),
    "TimedOut": ("TimedOut", "Execution Timed Out"),
    "Cancelled": ("Cancelled", "Cancelled"),
    "Undeliverable": ("Failed", "Undeliverable"),
    "Terminated": ("Failed", "Terminated"),
    # never delivered: the document's platform is not the node's, or the caller may not reach it
    "InvalidPlatform": ("Failed", "Invalid Platform"),
    "AccessDenied": ("Failed", "Access Denied"),
}

# Outcomes in which the agent never ran the script: the invocation stays Pending until it ends, and
# has no execution start time.
NEVER_STARTED = {
    "Delivery Timed Out",
    "Undeliverable",
    "Terminated",
    "Invalid Platform",
    "Access Denied",
}


@dataclass(frozen=True)
class Outcome:
    status: str = "Success"
    status_details: str = "Success"
    response_code: int = 0
    stdout: str = ""
    stderr: str = ""
    # None: use the lifecycle timings in force when the command is sent.
    pending_seconds: float | None = None
    running_seconds: float | None = None

    @property
    def started(self) -> bool:
        return self.status_details not in NEVER_STARTED


@dataclass(frozen=True)
class Target:
    """One invocation about to be created: what outcome rules are matched against."""

    account: str
    region: str
    instance_id: str
    command_text: str


@dataclass(frozen=True)
class OutcomeRule:
    outcome: Outcome
    instance_id: str | None = None
    command_contains: str | None = None
    account: str | None = None
    region: str | None = None

    def matches(self, target: Target) -> bool:
        wanted = (
            (self.instance_id, target.instance_id),
            (self.account, target.account),
            (self.region, target.region),
        )
        if any(want is not None and want != got for want, got in wanted):
            return False
        return self.command_contains is None or self.command_contains in target.command_text


def default_response_code(status: str, status_details: str) -> int:
    if status == "Success":
        return 0
    if status_details == "Failed":
        return 1
    # Timed out, cancelled or never delivered: the agent reports no exit code.
    return -1


def outcome_from_json(body: dict[str, Any]) -> Outcome:
    requested = str(body.get("status", "Success"))
    if requested not in STATUS_PAIRS:
        raise ValueError(f"status must be one of {sorted(STATUS_PAIRS)}, got {requested!r}")
    status, details = STATUS_PAIRS[requested]
    details = str(body.get("statusDetails", details))
    return Outcome(
        status=status,
        status_details=details,
        response_code=int(body.get("responseCode", default_response_code(status, details))),
        stdout=str(body.get("stdout", "")),
        stderr=str(body.get("stderr", "")),
        pending_seconds=_optional_float(body.get("pendingSeconds")),
        running_seconds=_optional_float(body.get("runningSeconds")),
    )


def rule_from_json(body: dict[str, Any]) -> OutcomeRule:
    return OutcomeRule(
        outcome=outcome_from_json(body),
        instance_id=body.get("instanceId"),
        command_contains=body.get("commandContains"),
        account=body.get("account"),
        region=body.get("region"),
    )


def pick_outcome(rules: list[OutcomeRule], target: Target) -> Outcome | None:
    """The most recently scripted rule that matches wins."""
    for rule in reversed(rules):
        if rule.matches(target):
            return rule.outcome
    return None


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
