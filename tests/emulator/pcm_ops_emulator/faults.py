"""Call counting and fault injection for every AWS call moto answers.

Every service's response class inherits BaseResponse.call_action, which runs after the request was
parsed and the calling account and region are known; wrapping it once covers STS, EC2, SSM and
Organizations alike. A fault is serialized by moto's own serializer for the service's protocol, so
the bytes on the wire match what AWS sends:
  - SSM, Organizations (JSON 1.1): {"__type": "ThrottlingException", "message": ...}
  - EC2 (ec2 query): <Response><Errors><Error><Code>RequestLimitExceeded</Code>...
  - STS (query): <ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>...
"""

from __future__ import annotations

import time
import warnings
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, BaseResponse

from .state import STATE, CallKey, Fault

# Code, message and HTTP status of each service's throttling error, as AWS answers it. The SDKs
# recognise these codes as throttling and retry them.
THROTTLE_ERRORS: dict[str, tuple[str, str, int]] = {
    "ssm": ("ThrottlingException", "Rate exceeded", 400),
    "ec2": ("RequestLimitExceeded", "Request limit exceeded.", 503),
    "sts": ("Throttling", "Rate exceeded", 400),
    "organizations": (
        "TooManyRequestsException",
        (
            "AWS Organizations can't complete your request because another request is already "
            "in progress. Try again later."
        ),
        400,
    ),
}
DEFAULT_THROTTLE = ("ThrottlingException", "Rate exceeded", 400)

# Services the counting leaves out: moto's own control API is not an AWS call.
UNCOUNTED_SERVICES = {"moto_api", None}

_original_call_action = BaseResponse.call_action


def counted_call_action(self: BaseResponse) -> Any:
    if self.service_name in UNCOUNTED_SERVICES:
        return _original_call_action(self)
    call = CallKey(
        service=str(self.service_name),
        operation=self._get_action() or "",
        account=self.current_account,
        region=self.region,
    )
    fault = STATE.record_call(call, _access_key_id(self))
    if fault is None:
        return _original_call_action(self)
    if not fault.code:
        # only slow: answered, late
        time.sleep(fault.delay_seconds)
        return _original_call_action(self)
    if fault.lost:
        # carried out for real; only the answer goes missing
        _original_call_action(self)
    if fault.delay_seconds:
        time.sleep(fault.delay_seconds)
    return _fault_response(self, fault)


def _access_key_id(response: BaseResponse) -> str | None:
    try:
        return response.get_access_key()
    except Exception:  # an unsigned request has none
        return None


class InjectedFault(ServiceException):
    """Defined outside moto's packages, so moto looks its error shape up in the called service only."""


def _fault_response(response: BaseResponse, fault: Fault) -> Any:
    error = InjectedFault(fault.code, fault.message)
    _, headers, body = response.serialized(ActionResult(error))
    return fault.http_status, headers, body


def install() -> None:
    BaseResponse.call_action = counted_call_action  # type: ignore[method-assign]
    # moto warns when an error code is not in the service's model; throttling codes mostly aren't
    # (AWS answers them from its front door, not from the service), so the warning is only noise.
    warnings.filterwarnings("ignore", message=r"Exception\(InjectedFault\)")


def fault_from_json(body: dict[str, Any], throttle: bool) -> Fault:
    """A fault from the control API: `throttle` fills in the service's throttling error."""
    service = str(body["service"])
    code, message, status = THROTTLE_ERRORS.get(service, DEFAULT_THROTTLE)
    if not throttle and body.get("code") is None:
        # no error at all: the call is only slowed down by delaySeconds
        code, message, status = "", "", 200
    elif not throttle:
        code, message, status = body["code"], f"Injected {body['code']}", 400
        if body.get("lost"):
            # what a client sees when the answer to a request AWS carried out never arrives
            status = 503
    return Fault(
        service=service,
        operation=body.get("operation"),
        account=body.get("account"),
        region=body.get("region"),
        code=str(body.get("code", code)),
        message=str(body.get("message", message)),
        http_status=int(body.get("httpStatus", status)),
        remaining=_optional_int(body.get("count")),
        access_key_id=body.get("accessKeyId"),
        rate=_optional_float(body.get("rate")),
        lost=bool(body.get("lost", False)),
        delay_seconds=float(body.get("delaySeconds", 0.0)),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
