"""Run moto's server with the PCM-Ops extension: python -m pcm_ops_emulator --port 5000."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType

from . import check_moto_version


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="pcm_ops_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    parser.add_argument("--port", type=int, default=5000)
    return parser.parse_args(argv)


def stop(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)


def main(argv: list[str]) -> None:
    check_moto_version()
    # One account per request, taken from the caller's keys: MOTO_ACCOUNT_ID would pin every call
    # to a single account and defeat the multi-account tests.
    os.environ.pop("MOTO_ACCOUNT_ID", None)
    args = parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))

    # Imported after the environment is settled: moto reads settings at import time.
    from .server import serve

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    serve(args.host, args.port)


if __name__ == "__main__":
    main(sys.argv[1:])
