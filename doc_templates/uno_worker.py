"""A warm LibreOffice converter: starts soffice once and converts .docx to PDF on request.

Runs under a Python that can `import uno` (on Debian: /usr/bin/python3 with python3-uno),
which need not be landbot's own interpreter; it imports nothing from landbot. Protocol: one
JSON object a line. It prints {"ready": true} once LibreOffice accepts connections, then for
each request {"src": PATH, "dst": PATH} on stdin answers {"ok": true} or
{"ok": false, "error": "..."}. End of stdin (or SIGTERM) stops LibreOffice and the worker.

usage: python uno_worker.py SOFFICE PROFILE_DIR PIPE_NAME
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

START_TIMEOUT_S = 90.0


def prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def reply(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def start_office(soffice: str, profile: Path, pipe: str) -> subprocess.Popen[bytes]:
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--nodefault",
        "--norestore",
        "--nolockcheck",
        f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
    ]
    return subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def connect(office: subprocess.Popen[bytes], pipe: str) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if office.poll() is not None and office.returncode != 0:
                raise RuntimeError(f"soffice exited with status {office.returncode}") from None
            if time.monotonic() > deadline:
                raise RuntimeError("LibreOffice did not accept connections in time") from None
            time.sleep(0.1)


def convert(desktop: Any, src: str, dst: str) -> None:
    load = (
        prop("Hidden", True),
        prop("ReadOnly", True),
        prop("MacroExecutionMode", 0),  # NEVER_EXECUTE
        prop("UpdateDocMode", 0),  # NO_UPDATE: no links fetched
    )
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, load)
    if doc is None:
        raise RuntimeError("LibreOffice could not open the document")
    try:
        doc.storeToURL(uno.systemPathToFileUrl(dst), (prop("FilterName", "writer_pdf_Export"),))
    finally:
        doc.close(True)


def main(argv: list[str]) -> int:
    soffice, profile, pipe = argv[1], Path(argv[2]), argv[3]
    office = start_office(soffice, profile, pipe)

    def stop(*_: object) -> None:
        try:
            office.terminate()
            office.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            office.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        desktop = connect(office, pipe)
    except Exception as exc:  # report any start-up failure to the parent, then stop
        reply({"ready": False, "error": str(exc)})
        stop()
    reply({"ready": True})
    for line in sys.stdin:
        try:
            request = json.loads(line)
            convert(desktop, request["src"], request["dst"])
            reply({"ok": True})
        except Exception as exc:  # one bad document must not end the worker
            reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
    with contextlib.suppress(Exception):  # LibreOffice may be gone; stop() cleans up anyway
        desktop.terminate()
    stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
