"""Everything the extension remembers beside moto's own backends, behind one lock.

moto's server is threaded, so every read and write of this state holds STATE.lock.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .lifecycle import Invocation, TrackedCommand
from .outcomes import OutcomeRule


@dataclass
class Timings:
    """Default delays of an invocation: Pending for pending_seconds, then InProgress for running."""

    pending_seconds: float = 0.1
    running_seconds: float = 0.2
    # How long a running invocation shows Cancelling after CancelCommand before it is Cancelled.
    cancel_seconds: float = 0.0


@dataclass(frozen=True)
class CallKey:
    service: str
    operation: str
    account: str
    region: str


@dataclass
class Fault:
    """An error answered instead of calling moto, for calls matching service/operation/account/region.

    It fires for the next `remaining` matching calls, or for a `rate` fraction of them, or always.
    """

    service: str
    code: str
    message: str
    http_status: int
    operation: str | None = None
    account: str | None = None
    region: str | None = None
    remaining: int | None = None
    rate: float | None = None
    # Only calls signed with this access key id: how AWS refuses one bad key among good ones.
    access_key_id: str | None = None
    # The call is carried out, then answered with this error: AWS accepted it, the answer was lost.
    lost: bool = False
    # Seconds to wait before answering (past a client's deadline, the answer never arrives).
    delay_seconds: float = 0.0

    def matches(self, call: CallKey, access_key_id: str | None = None) -> bool:
        wanted = (
            (self.service, call.service),
            (self.operation, call.operation),
            (self.account, call.account),
            (self.region, call.region),
            (self.access_key_id, access_key_id),
        )
        return all(want is None or want == got for want, got in wanted)

    def is_spent(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def fires(self, rng: random.Random) -> bool:
        if self.remaining is not None:
            self.remaining -= 1
            return True
        return self.rate is None or rng.random() < self.rate


@dataclass
class EmulatorState:
    lock: threading.RLock = field(default_factory=threading.RLock)
    timings: Timings = field(default_factory=Timings)
    outcome_rules: list[OutcomeRule] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    calls: Counter[CallKey] = field(default_factory=Counter)
    faulted_calls: Counter[CallKey] = field(default_factory=Counter)
    sent_commands: list[dict[str, Any]] = field(default_factory=list)
    commands: dict[tuple[str, str, str], TrackedCommand] = field(default_factory=dict)
    # Instance ids are unique across accounts, so ping overrides are keyed by id alone.
    ping_status: dict[str, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    # Invocations of commands sent with an output bucket whose output the agent has yet to upload.
    pending_uploads: list[tuple[TrackedCommand, Invocation]] = field(default_factory=list)

    def clear(self) -> None:
        with self.lock:
            self.timings = Timings()
            self.outcome_rules.clear()
            self.faults.clear()
            self.calls.clear()
            self.faulted_calls.clear()
            self.sent_commands.clear()
            self.commands.clear()
            self.ping_status.clear()
            self.rng = random.Random()
            self.pending_uploads = []

    def record_call(self, call: CallKey, access_key_id: str | None = None) -> Fault | None:
        """Counts a call and returns the fault to answer it with, if one fires."""
        with self.lock:
            self.calls[call] += 1
            fault = next(
                (f for f in self.faults if f.matches(call, access_key_id) and not f.is_spent()),
                None,
            )
            if fault is None or not fault.fires(self.rng):
                return None
            self.faulted_calls[call] += 1
            return fault


STATE = EmulatorState()
