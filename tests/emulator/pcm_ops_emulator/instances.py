"""Managed-instance information for DescribeInstanceInformation, derived from moto's EC2 state.

Every non-terminated EC2 instance of the account and region counts as a managed node with an SSM
agent: Online while running (unless a test scripted another PingStatus), ConnectionLost otherwise.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from moto.core.exceptions import ServiceException
from moto.ec2.models import ec2_backends

from .state import STATE

AGENT_VERSION = "3.3.1957.0"
PLATFORMS = {
    "Windows": ("Microsoft Windows Server 2019 Datacenter", "10.0.17763"),
    "Linux": ("Amazon Linux", "2"),
}
GONE_STATES = {"terminated", "shutting-down"}

# Filter keys that compare with a field of the instance information.
FIELD_OF_FILTER = {
    "InstanceIds": "InstanceId",
    "PingStatus": "PingStatus",
    "PlatformTypes": "PlatformType",
    "ResourceType": "ResourceType",
    "AgentVersion": "AgentVersion",
}


class InvalidFilterKey(ServiceException):
    code = "InvalidFilterKey"


class InvalidInstanceId(ServiceException):
    code = "InvalidInstanceId"


def platform_type(instance: Any) -> str:
    return "Windows" if (instance.platform or "").lower() == "windows" else "Linux"


def ping_status(instance: Any) -> str:
    scripted = STATE.ping_status.get(instance.id)
    if scripted:
        return scripted
    return "Online" if instance.state == "running" else "ConnectionLost"


def live_instances(account: str, region: str, ec2_filters: dict[str, list[str]]) -> list[Any]:
    backend = ec2_backends[account][region]
    found = backend.all_instances(filters=ec2_filters or None)
    return [instance for instance in found if instance.state not in GONE_STATES]


def instance_information(instance: Any, now: datetime) -> dict[str, Any]:
    platform = platform_type(instance)
    name, version = PLATFORMS[platform]
    return {
        "InstanceId": instance.id,
        "PingStatus": ping_status(instance),
        "LastPingDateTime": now,
        "AgentVersion": AGENT_VERSION,
        "IsLatestVersion": True,
        "PlatformType": platform,
        "PlatformName": name,
        "PlatformVersion": version,
        "ResourceType": "EC2Instance",
        "IPAddress": instance.private_ip,
        "ComputerName": instance.private_dns_name,
        "SourceId": instance.id,
        "SourceType": "AWS::EC2::Instance",
    }


def describe(
    account: str, region: str, filters: list[tuple[str, list[str]]]
) -> list[dict[str, Any]]:
    ec2_filters = {key: values for key, values in filters if key.startswith("tag")}
    field_filters = [(key, values) for key, values in filters if not key.startswith("tag")]
    now = datetime.now(timezone.utc)
    infos = [instance_information(i, now) for i in live_instances(account, region, ec2_filters)]
    return [info for info in infos if _passes(info, field_filters)]


def normalized_filters(
    filter_list: list[dict[str, Any]] | None, filters: list[dict[str, Any]] | None
) -> list[tuple[str, list[str]]]:
    """The API takes the same filters in two spellings: {key, valueSet} and {Key, Values}."""
    pairs = [(f["key"], list(f["valueSet"])) for f in filter_list or []]
    pairs += [(f["Key"], list(f["Values"])) for f in filters or []]
    for key, _ in pairs:
        if key not in FIELD_OF_FILTER and not key.startswith("tag"):
            raise InvalidFilterKey(f"The filter key {key} isn't valid.")
    return pairs


def check_sendable(account: str, region: str, instance_ids: list[str]) -> None:
    """SendCommand refuses instances the account and region don't have running, as AWS does."""
    running = {i.id for i in live_instances(account, region, {}) if i.state == "running"}
    missing = [instance_id for instance_id in instance_ids if instance_id not in running]
    if missing:
        listed = ", ".join(missing)
        raise InvalidInstanceId(
            f"Instances [[{listed}]] not in a valid state for account {account}"
        )


def _passes(info: dict[str, Any], filters: list[tuple[str, list[str]]]) -> bool:
    return all(info[FIELD_OF_FILTER[key]] in values for key, values in filters)
