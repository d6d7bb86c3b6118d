"""Run Command output in S3, written as the SSM agent writes it.

When SendCommand names OutputS3BucketName, the agent on each instance uploads a plugin's whole
stdout and stderr once the invocation ends, to

    <OutputS3KeyPrefix>/<CommandId>/<InstanceId>/<plugin>/0.<plugin>/stdout   (and stderr)

where <plugin> is the plugin's name without its colon (awsrunShellScript for AWS-RunShellScript,
awsrunPowerShellScript for AWS-RunPowerShellScript) and 0 the index of the document's only step.
An empty stream is not uploaded, nor is anything of an invocation cancelled or never run; a bucket
that does not exist gets nothing (the agent logs it, the invocation's status is unaffected).

Nothing runs in the background (see lifecycle.py): an upload falls due when its invocation ends and
is carried out by the first request of any kind after that, before the request is answered. So
whoever reads the bucket afterwards, through moto's real S3, finds the objects as on AWS.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from moto.s3.models import s3_backends

from .lifecycle import Invocation, TrackedCommand
from .state import STATE
from .views import output_keys


def track(command: TrackedCommand) -> None:
    """Schedules the uploads of a command sent with a bucket; called with STATE.lock held."""
    if command.output_s3_bucket:
        STATE.pending_uploads.extend((command, inv) for inv in command.invocation_list())


def settle(now: float) -> None:
    """Carries out every upload due by `now`, holding the lock so no reader sees it half done."""
    with STATE.lock:
        if not STATE.pending_uploads:
            return
        due = [(c, inv) for c, inv in STATE.pending_uploads if inv.is_terminal(now)]
        STATE.pending_uploads = [
            (c, inv) for c, inv in STATE.pending_uploads if not inv.is_terminal(now)
        ]
        for command, invocation in due:
            if invocation.has_outcome(now):
                _upload(command, invocation)


def with_settled_uploads(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI app that settles due uploads before handing each request on."""

    def settled(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        settle(time.time())
        return app(environ, start_response)

    return settled


def _upload(command: TrackedCommand, invocation: Invocation) -> None:
    located = s3_backends.bucket_accounts.get(command.output_s3_bucket)
    if located is None:
        return
    partition, account = located
    backend = s3_backends[account][partition]
    texts = {"stdout": invocation.outcome.stdout, "stderr": invocation.outcome.stderr}
    for stream, key in output_keys(command, invocation.instance_id).items():
        if texts[stream]:
            backend.put_object(command.output_s3_bucket, key, texts[stream].encode("utf-8"))
