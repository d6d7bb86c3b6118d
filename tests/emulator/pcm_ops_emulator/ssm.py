"""SSM Run Command operations added to, or layered over, moto's SSM response class.

moto resolves an SSM action by the snake_case method name on SimpleSystemManagerResponse, so adding
a method adds an operation. SendCommand still goes through moto (it stores the Command that moto's
other SSM calls know); the extension then tracks one Invocation per instance with a lifecycle and
answers the read operations from that.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult
from moto.ssm.responses import SimpleSystemManagerResponse

from . import instances, s3_output
from .lifecycle import Invocation, TrackedCommand, schedule
from .outcomes import Outcome, Target, pick_outcome
from .paging import ValidationException, page_size, take_page
from .state import STATE
from .views import as_datetime, as_iso, command_view, get_invocation_view, invocation_view

MAX_INSTANCES_PER_CALL = 50
MAX_COMMENT_LENGTH = 100
# An invocation to an instance whose agent is not Online is never delivered.
UNDELIVERED = Outcome("TimedOut", "Delivery Timed Out", -1)

_moto_send_command = SimpleSystemManagerResponse.send_command
_moto_list_commands = SimpleSystemManagerResponse.list_commands


class InvocationDoesNotExist(ServiceException):
    code = "InvocationDoesNotExist"
    message = ""


class InvalidCommandId(ServiceException):
    code = "InvalidCommandId"
    message = ""


def send_command(self: SimpleSystemManagerResponse) -> ActionResult:
    request = json.loads(self.body or "{}")
    _validate_send(request)
    instance_ids = list(dict.fromkeys(request.get("InstanceIds", [])))
    instances.check_sendable(self.current_account, self.region, instance_ids)
    # Held across moto's SendCommand so no reader sees moto's command before it is tracked.
    with STATE.lock:
        created = _moto_send_command(self)
        moto_command = created.result["Command"]  # type: ignore[index]
        ordered = _target_instance_ids(self, request, instance_ids, moto_command["CommandId"])
        command = _track(self, request, moto_command, ordered)
        return ActionResult({"Command": command_view(moto_command, command, time.time())})


def _target_instance_ids(
    self: SimpleSystemManagerResponse,
    request: dict[str, Any],
    instance_ids: list[str],
    command_id: str,
) -> list[str]:
    """The command's instances in the caller's order, then those found through Targets.

    moto resolves Targets with an EC2 filter built from them, and with no Targets that filter is
    empty and matches every instance of the account and region; it also dedupes through a set,
    losing the order. So the list is rebuilt here and written back to moto's Command, which its
    own ListCommands(InstanceId=...) filters on.
    """
    moto_command = self.ssm_backend.get_command_by_id(command_id)
    from_targets = moto_command.instance_ids if request.get("Targets") else []
    ordered = instance_ids + [i for i in from_targets if i not in instance_ids]
    moto_command.instance_ids = ordered
    return ordered


def list_commands(self: SimpleSystemManagerResponse) -> ActionResult:
    size = page_size(self._get_param("MaxResults"), (1, 50), 50)
    moto_commands = _moto_list_commands(self).result["Commands"]  # type: ignore[index]
    now = time.time()
    with STATE.lock:
        views = [_current_view(self, c, now) for c in reversed(moto_commands)]
    views = [v for v in views if _command_passes(v, self._get_param("Filters") or [])]
    page, token = take_page(views, size, self._get_param("NextToken"))
    return ActionResult({"Commands": page, "NextToken": token})


def list_command_invocations(self: SimpleSystemManagerResponse) -> ActionResult:
    size = page_size(self._get_param("MaxResults"), (1, 50), 50)
    details = bool(self._get_param("Details", False))
    instance_id = self._get_param("InstanceId")
    filters = self._get_param("Filters") or []
    now = time.time()
    with STATE.lock:
        rows = [
            (command, invocation)
            for command in _commands_of(self, self._get_param("CommandId"))
            for invocation in command.invocation_list()
            if instance_id in (None, invocation.instance_id)
            and _command_passes(_filterable(command, invocation, now), filters)
        ]
        page, token = take_page(rows, size, self._get_param("NextToken"))
        views = [invocation_view(c, inv, now, details) for c, inv in page]
    return ActionResult({"CommandInvocations": views, "NextToken": token})


def get_command_invocation(self: SimpleSystemManagerResponse) -> ActionResult:
    key = (self.current_account, self.region, self._get_param("CommandId"))
    with STATE.lock:
        command = STATE.commands.get(key)
        invocation = command.invocations.get(self._get_param("InstanceId")) if command else None
        if command is None or invocation is None:
            raise InvocationDoesNotExist()
        return ActionResult(get_invocation_view(command, invocation, time.time()))


def cancel_command(self: SimpleSystemManagerResponse) -> ActionResult:
    instance_ids = self._get_param("InstanceIds") or []
    if len(instance_ids) > MAX_INSTANCES_PER_CALL:
        raise ValidationException("InstanceIds: at most 50 instance ids per CancelCommand")
    key = (self.current_account, self.region, self._get_param("CommandId"))
    now = time.time()
    with STATE.lock:
        command = STATE.commands.get(key)
        if command is None:
            raise InvalidCommandId()
        for invocation in command.invocation_list():
            if not instance_ids or invocation.instance_id in instance_ids:
                invocation.cancel(now, STATE.timings.cancel_seconds)
    return EmptyResult()


def describe_instance_information(self: SimpleSystemManagerResponse) -> ActionResult:
    size = page_size(self._get_param("MaxResults"), (5, 50), 50)
    filters = instances.normalized_filters(
        self._get_param("InstanceInformationFilterList"), self._get_param("Filters")
    )
    with STATE.lock:
        infos = instances.describe(self.current_account, self.region, filters)
    page, token = take_page(infos, size, self._get_param("NextToken"))
    return ActionResult({"InstanceInformationList": page, "NextToken": token})


def install() -> None:
    operations = [
        send_command,
        list_commands,
        list_command_invocations,
        get_command_invocation,
        cancel_command,
        describe_instance_information,
    ]
    for operation in operations:
        setattr(SimpleSystemManagerResponse, operation.__name__, operation)


def _validate_send(request: dict[str, Any]) -> None:
    if len(request.get("InstanceIds", [])) > MAX_INSTANCES_PER_CALL:
        raise ValidationException(
            "1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: "
            "Member must have length less than or equal to 50"
        )
    if len(request.get("Comment", "")) > MAX_COMMENT_LENGTH:
        raise ValidationException(
            "1 validation error detected: Value at 'comment' failed to satisfy constraint: "
            "Member must have length less than or equal to 100"
        )


def _track(
    self: SimpleSystemManagerResponse,
    request: dict[str, Any],
    moto_command: dict[str, Any],
    instance_ids: list[str],
) -> TrackedCommand:
    now = time.time()
    command = TrackedCommand(
        command_id=moto_command["CommandId"],
        account=self.current_account,
        region=self.region,
        document_name=request.get("DocumentName", ""),
        comment=request.get("Comment", ""),
        max_errors=request.get("MaxErrors", "0"),
        max_concurrency=request.get("MaxConcurrency", "50"),
        requested_at=now,
        output_s3_bucket=request.get("OutputS3BucketName", ""),
        output_s3_key_prefix=request.get("OutputS3KeyPrefix", ""),
        output_s3_region=request.get("OutputS3Region", ""),
    )
    text = command_text(request)
    for instance_id in instance_ids:
        target = Target(command.account, command.region, instance_id, text)
        command.invocations[instance_id] = _new_invocation(target, now)
    schedule(command.invocation_list(), command.max_concurrency, command.max_errors)
    STATE.commands[(command.account, command.region, command.command_id)] = command
    s3_output.track(command)
    STATE.sent_commands.append(_sent_record(command, request, text))
    return command


def command_text(request: dict[str, Any]) -> str:
    """The script as the agent would run it: the `commands` parameter, one line per entry."""
    return "\n".join(request.get("Parameters", {}).get("commands", []))


def _new_invocation(target: Target, now: float) -> Invocation:
    outcome = pick_outcome(STATE.outcome_rules, target) or _unscripted_outcome(target)
    pending = _or_default(outcome.pending_seconds, STATE.timings.pending_seconds)
    running = _or_default(outcome.running_seconds, STATE.timings.running_seconds)
    return Invocation(
        instance_id=target.instance_id,
        outcome=outcome,
        requested_at=now,
        start_at=now + pending,
        end_at=now + pending + running,
    )


def _unscripted_outcome(target: Target) -> Outcome:
    online = STATE.ping_status.get(target.instance_id, "Online") == "Online"
    return Outcome() if online else UNDELIVERED


def _or_default(value: float | None, default: float) -> float:
    return default if value is None else value


def _sent_record(command: TrackedCommand, request: dict[str, Any], text: str) -> dict[str, Any]:
    return {
        "account": command.account,
        "region": command.region,
        "commandId": command.command_id,
        "requestedAt": as_iso(command.requested_at),
        "instanceIds": list(command.invocations),
        "documentName": command.document_name,
        "comment": command.comment,
        "commandText": text,
        "request": request,
    }


def _commands_of(self: SimpleSystemManagerResponse, command_id: str | None) -> list[TrackedCommand]:
    """The account and region's tracked commands, newest first, or the one asked for."""
    if command_id:
        found = STATE.commands.get((self.current_account, self.region, command_id))
        return [found] if found else []
    mine = [
        c
        for c in STATE.commands.values()
        if (c.account, c.region) == (self.current_account, self.region)
    ]
    return sorted(mine, key=lambda c: c.requested_at, reverse=True)


def _current_view(
    self: SimpleSystemManagerResponse, moto_command: dict[str, Any], now: float
) -> dict[str, Any]:
    key = (self.current_account, self.region, moto_command["CommandId"])
    command = STATE.commands.get(key)
    return command_view(moto_command, command, now) if command else moto_command


def _filterable(command: TrackedCommand, invocation: Invocation, now: float) -> dict[str, Any]:
    """The fields of an invocation that ListCommandInvocations' filters look at."""
    return {
        "Status": invocation.status(now)[0],
        "DocumentName": command.document_name,
        "RequestedDateTime": as_datetime(invocation.requested_at),
    }


def _command_passes(view: dict[str, Any], filters: list[dict[str, str]]) -> bool:
    """ListCommands/ListCommandInvocations filters: Status, DocumentName, InvokedAfter/Before."""
    return all(_command_filter_passes(view, f["key"], f["value"]) for f in filters)


def _command_filter_passes(view: dict[str, Any], key: str, value: str) -> bool:
    requested: datetime = view["RequestedDateTime"]
    if requested.tzinfo is None:  # moto keeps naive UTC datetimes
        requested = requested.replace(tzinfo=timezone.utc)
    if key == "Status":
        return bool(view["Status"] == value)
    if key == "DocumentName":
        return bool(view["DocumentName"] == value)
    if key == "InvokedAfter":
        return requested.timestamp() >= _parse_time(value)
    if key == "InvokedBefore":
        return requested.timestamp() <= _parse_time(value)
    return True


def _parse_time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
