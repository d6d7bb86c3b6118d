"""The control API tests use to steer the emulator: JSON over HTTP under /_pcm/ on the AWS port.

GET    /_pcm/health          -> {"ok": true, "moto": "5.2.5"}
POST   /_pcm/reset           moto's reset (every backend) and the extension's state
GET    /_pcm/lifecycle       -> {"pendingSeconds", "runningSeconds", "cancelSeconds"}
PUT    /_pcm/lifecycle       {"pendingSeconds"?, "runningSeconds"?, "cancelSeconds"?}: default delays
                             of new invocations, and how long a cancelled one shows Cancelling
POST   /_pcm/outcomes        {"instanceId"?, "commandContains"?, "account"?, "region"?,
                              "status"?, "statusDetails"?, "responseCode"?, "stdout"?, "stderr"?,
                              "pendingSeconds"?, "runningSeconds"?}: the newest matching rule wins
DELETE /_pcm/outcomes
POST   /_pcm/throttle        {"service", "operation"?, "account"?, "region"?, "count"?, "rate"?,
                              "seed"?}: answer with the service's own throttling error
POST   /_pcm/faults          same, plus {"code", "message"?, "httpStatus"?, "accessKeyId"?}: any
                             error, optionally only for calls signed with one access key id;
                             "lost": true carries the call out first (AWS accepted it, the answer
                             was lost), "delaySeconds" answers that much later; with no "code",
                             the call is only slowed down by "delaySeconds"
DELETE /_pcm/faults          removes throttles and faults
GET    /_pcm/calls           -> {"calls": [{"service", "operation", "account", "region",
                                            "count", "faulted"}]}
DELETE /_pcm/calls           zeroes the counts
GET    /_pcm/sent-commands   -> {"commands": [{"account", "region", "commandId", "requestedAt",
                                "instanceIds", "documentName", "comment", "commandText", "request"}]}
POST   /_pcm/ping-status     {"instanceIds": [...], "pingStatus": "ConnectionLost"}
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_api._internal.models import MotoAPIBackend, moto_api_backend
from werkzeug.wrappers import Request, Response

from . import PINNED_MOTO_VERSION
from .faults import fault_from_json
from .outcomes import rule_from_json
from .state import STATE, Timings

PREFIX = "/_pcm/"
Handler = Callable[[dict[str, Any]], Any]

_moto_reset = MotoAPIBackend.reset


def reset_everything(backend: MotoAPIBackend) -> None:
    """moto's reset, extended so /moto-api/reset also clears the extension's state."""
    _moto_reset(backend)
    STATE.clear()


def install() -> None:
    MotoAPIBackend.reset = reset_everything  # type: ignore[method-assign, assignment]


def _health(_: dict[str, Any]) -> Any:
    return {"ok": True, "moto": PINNED_MOTO_VERSION}


def _reset(_: dict[str, Any]) -> Any:
    moto_api_backend.reset()
    return {}


def _get_lifecycle(_: dict[str, Any]) -> Any:
    with STATE.lock:
        timings = STATE.timings
        return {
            "pendingSeconds": timings.pending_seconds,
            "runningSeconds": timings.running_seconds,
            "cancelSeconds": timings.cancel_seconds,
        }


def _set_lifecycle(body: dict[str, Any]) -> Any:
    with STATE.lock:
        current = STATE.timings
        STATE.timings = Timings(
            pending_seconds=float(body.get("pendingSeconds", current.pending_seconds)),
            running_seconds=float(body.get("runningSeconds", current.running_seconds)),
            cancel_seconds=float(body.get("cancelSeconds", current.cancel_seconds)),
        )
    return _get_lifecycle(body)


def _add_outcome(body: dict[str, Any]) -> Any:
    rule = rule_from_json(body)
    with STATE.lock:
        STATE.outcome_rules.append(rule)
    return {}


def _clear_outcomes(_: dict[str, Any]) -> Any:
    with STATE.lock:
        STATE.outcome_rules.clear()
    return {}


def _add_fault(body: dict[str, Any], throttle: bool) -> Any:
    fault = fault_from_json(body, throttle)
    with STATE.lock:
        STATE.faults.append(fault)
        if "seed" in body:
            STATE.rng = random.Random(body["seed"])
    return {"code": fault.code, "httpStatus": fault.http_status}


def _clear_faults(_: dict[str, Any]) -> Any:
    with STATE.lock:
        STATE.faults.clear()
    return {}


def _calls(_: dict[str, Any]) -> Any:
    with STATE.lock:
        rows = [
            {**vars(key), "count": count, "faulted": STATE.faulted_calls[key]}
            for key, count in STATE.calls.items()
        ]
    return {"calls": rows}


def _clear_calls(_: dict[str, Any]) -> Any:
    with STATE.lock:
        STATE.calls.clear()
        STATE.faulted_calls.clear()
    return {}


def _sent_commands(_: dict[str, Any]) -> Any:
    with STATE.lock:
        return {"commands": list(STATE.sent_commands)}


def _set_ping_status(body: dict[str, Any]) -> Any:
    with STATE.lock:
        for instance_id in body["instanceIds"]:
            STATE.ping_status[instance_id] = str(body["pingStatus"])
    return {}


ROUTES: dict[tuple[str, str], Handler] = {
    ("GET", "health"): _health,
    ("POST", "reset"): _reset,
    ("GET", "lifecycle"): _get_lifecycle,
    ("PUT", "lifecycle"): _set_lifecycle,
    ("POST", "outcomes"): _add_outcome,
    ("DELETE", "outcomes"): _clear_outcomes,
    ("POST", "throttle"): lambda body: _add_fault(body, throttle=True),
    ("POST", "faults"): lambda body: _add_fault(body, throttle=False),
    ("DELETE", "faults"): _clear_faults,
    ("GET", "calls"): _calls,
    ("DELETE", "calls"): _clear_calls,
    ("GET", "sent-commands"): _sent_commands,
    ("POST", "ping-status"): _set_ping_status,
}


def handle(request: Request) -> Response:
    handler = ROUTES.get((request.method, request.path[len(PREFIX) :].strip("/")))
    if handler is None:
        return _json({"error": f"no control route {request.method} {request.path}"}, 404)
    try:
        body = request.get_json(silent=True) or {}
        return _json(handler(body), 200)
    except (KeyError, TypeError, ValueError) as error:
        return _json({"error": f"{type(error).__name__}: {error}"}, 400)


def with_control_api(aws_app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app that answers /_pcm/ itself and hands everything else to moto."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "").startswith(PREFIX):
            return handle(Request(environ))(environ, start_response)
        return aws_app(environ, start_response)

    return app


def _json(payload: Any, status: int) -> Response:
    return Response(json.dumps(payload), status=status, mimetype="application/json")
