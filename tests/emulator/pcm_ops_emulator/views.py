"""The response shapes of SSM Run Command, built from a tracked command at a moment in time.

Timestamps typed `timestamp` in the SSM model are datetimes (moto's serializer formats them); the
GetCommandInvocation times are strings in the model, so they are formatted here as AWS does.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from .lifecycle import Invocation, TrackedCommand, summarize

# Inline output limits of the real service.
GET_STDOUT_LIMIT = 24_000
GET_STDERR_LIMIT = 8_000
PLUGIN_OUTPUT_LIMIT = 2_500
# The agent joins stdout and stderr into one plugin Output with this separator line.
ERROR_SEPARATOR = "\n----------ERROR-------\n"

PLUGIN_OF_DOCUMENT = {
    "AWS-RunShellScript": "aws:runShellScript",
    "AWS-RunPowerShellScript": "aws:runPowerShellScript",
}

NO_CLOUDWATCH = {"CloudWatchLogGroupName": "", "CloudWatchOutputEnabled": False}
STREAMS = ("stdout", "stderr")


def as_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def as_iso(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return as_datetime(epoch).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(epoch * 1000) % 1000:03d}Z"


def plugin_name(document_name: str) -> str:
    return PLUGIN_OF_DOCUMENT.get(document_name, "aws:runShellScript")


def output_keys(command: TrackedCommand, instance_id: str) -> dict[str, str]:
    """The keys the agent writes one invocation's streams to (see s3_output.py)."""
    plugin = plugin_name(command.document_name).replace(":", "")
    segments = [
        command.output_s3_key_prefix,
        command.command_id,
        instance_id,
        plugin,
        f"0.{plugin}",
    ]
    base = "/".join(s.strip("/") for s in segments if s.strip("/"))
    return {stream: f"{base}/{stream}" for stream in STREAMS}


def output_urls(command: TrackedCommand, invocation: Invocation, now: float) -> dict[str, str]:
    """StandardOutputUrl and StandardErrorUrl: empty without a bucket or until the agent is done."""
    if not command.output_s3_bucket or not _ran_to_an_end(invocation, now):
        return {"stdout": "", "stderr": ""}
    region = command.output_s3_region or command.region
    keys = output_keys(command, invocation.instance_id)
    return {
        stream: f"https://s3.{region}.amazonaws.com/{command.output_s3_bucket}/{key}"
        for stream, key in keys.items()
    }


def _ran_to_an_end(invocation: Invocation, now: float) -> bool:
    return invocation.is_terminal(now) and invocation.started_at(now) is not None


def command_view(base: dict[str, Any], command: TrackedCommand, now: float) -> dict[str, Any]:
    """moto's Command response with the lifecycle's status, counts and instance order."""
    summary = summarize(command, now)
    return {
        **base,
        "InstanceIds": list(command.invocations),
        "RequestedDateTime": as_datetime(command.requested_at),
        "Status": summary.status,
        "StatusDetails": summary.status_details,
        "TargetCount": summary.target_count,
        "CompletedCount": summary.completed_count,
        "ErrorCount": summary.error_count,
        "DeliveryTimedOutCount": summary.delivery_timed_out_count,
    }


def invocation_view(
    command: TrackedCommand, invocation: Invocation, now: float, details: bool
) -> dict[str, Any]:
    status, status_details = invocation.status(now)
    urls = output_urls(command, invocation, now)
    return {
        "CommandId": command.command_id,
        "InstanceId": invocation.instance_id,
        "InstanceName": "",
        "Comment": command.comment,
        "DocumentName": command.document_name,
        "DocumentVersion": "$DEFAULT",
        "RequestedDateTime": as_datetime(invocation.requested_at),
        "Status": status,
        "StatusDetails": status_details,
        "TraceOutput": "",
        "StandardOutputUrl": urls["stdout"],
        "StandardErrorUrl": urls["stderr"],
        "CommandPlugins": [plugin_view(command, invocation, now)] if details else [],
        "ServiceRole": "",
        "CloudWatchOutputConfig": NO_CLOUDWATCH,
    }


def plugin_view(command: TrackedCommand, invocation: Invocation, now: float) -> dict[str, Any]:
    status, status_details = invocation.status(now)
    urls = output_urls(command, invocation, now)
    view: dict[str, Any] = {
        "Name": plugin_name(command.document_name),
        "Status": status,
        "StatusDetails": status_details,
        "ResponseCode": _response_code(invocation, now),
        "Output": _plugin_output(invocation, now),
        "StandardOutputUrl": urls["stdout"],
        "StandardErrorUrl": urls["stderr"],
        "OutputS3Region": command.output_s3_region or command.region,
        "OutputS3BucketName": command.output_s3_bucket,
        "OutputS3KeyPrefix": command.output_s3_key_prefix,
    }
    started, finished = invocation.started_at(now), invocation.finished_at(now)
    if started is not None:
        view["ResponseStartDateTime"] = as_datetime(started)
    if finished is not None:
        view["ResponseFinishDateTime"] = as_datetime(finished)
    return view


def get_invocation_view(
    command: TrackedCommand, invocation: Invocation, now: float
) -> dict[str, Any]:
    status, status_details = invocation.status(now)
    started, finished = invocation.started_at(now), invocation.finished_at(now)
    shown = invocation.has_outcome(now)
    urls = output_urls(command, invocation, now)
    return {
        "CommandId": command.command_id,
        "InstanceId": invocation.instance_id,
        "Comment": command.comment,
        "DocumentName": command.document_name,
        "DocumentVersion": "$DEFAULT",
        "PluginName": plugin_name(command.document_name),
        "ResponseCode": _response_code(invocation, now),
        "ExecutionStartDateTime": as_iso(started),
        "ExecutionElapsedTime": _elapsed(started, finished),
        "ExecutionEndDateTime": as_iso(finished if started is not None else None),
        "Status": status,
        "StatusDetails": status_details,
        "StandardOutputContent": invocation.outcome.stdout[:GET_STDOUT_LIMIT] if shown else "",
        "StandardOutputUrl": urls["stdout"],
        "StandardErrorContent": invocation.outcome.stderr[:GET_STDERR_LIMIT] if shown else "",
        "StandardErrorUrl": urls["stderr"],
        "CloudWatchOutputConfig": NO_CLOUDWATCH,
    }


def _response_code(invocation: Invocation, now: float) -> int:
    return invocation.outcome.response_code if invocation.has_outcome(now) else -1


def _plugin_output(invocation: Invocation, now: float) -> str:
    if not invocation.has_outcome(now):
        return ""
    output = invocation.outcome.stdout
    if invocation.outcome.stderr:
        output += ERROR_SEPARATOR + invocation.outcome.stderr
    return output[:PLUGIN_OUTPUT_LIMIT]


def _elapsed(started: float | None, finished: float | None) -> str:
    """ISO 8601 duration, as AWS writes it (PT0.251S)."""
    if started is None or finished is None:
        return ""
    return f"PT{max(finished - started, 0):.3f}S"
