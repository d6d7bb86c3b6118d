"""PCM-Ops AWS emulator: moto's server plus the SSM behaviour moto lacks, throttling and call counts.

The extension reaches into moto internals (response classes, BaseResponse.call_action, the moto-api
reset), so it refuses to run on any moto but the one it was written against.
"""

from importlib.metadata import version

PINNED_MOTO_VERSION = "5.2.5"


def check_moto_version() -> None:
    installed = version("moto")
    if installed != PINNED_MOTO_VERSION:
        raise SystemExit(
            f"pcm_ops_emulator needs moto=={PINNED_MOTO_VERSION} (found {installed}); "
            "install tests/emulator/requirements.txt into a fresh virtualenv"
        )
