"""moto's WSGI application with the extension installed and the control API in front."""

from __future__ import annotations

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

from . import control, faults, s3_output, ssm


def install_extension() -> None:
    faults.install()
    ssm.install()
    control.install()


def serve(host: str, port: int) -> None:
    install_extension()
    aws_app = DomainDispatcherApplication(create_backend_app)
    print(f"pcm_ops_emulator listening on http://{host}:{port}", flush=True)
    run_simple(
        host,
        port,
        s3_output.with_settled_uploads(control.with_control_api(aws_app)),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
