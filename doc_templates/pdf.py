"""PDF from .docx with LibreOffice, keeping one converter process warm.

`PdfConverter.start()` launches a small worker (doc_templates/uno_worker.py) under a Python
that has the LibreOffice UNO bindings (python3-uno on Debian); the worker starts soffice
once and converts each document through UNO, so a conversion costs well under a second.
Without UNO the converter runs `soffice --convert-to pdf` for each document (slower, same
result). Without LibreOffice `available()` is False and `convert()` returns None: callers send
the .docx alone with `NO_PDF_NOTE`.

The converter runs soffice with its own profile in a temporary directory and a fontconfig
file that maps the official Chinese fonts (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体) to the
installed ones (Noto CJK SC), so the PDF looks like the document Word shows.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import uuid
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

NO_PDF_NOTE = (
    "未安装 LibreOffice，仅生成 .docx 文件（可用 Word/WPS 打开或自行转为 PDF）。"
    " / LibreOffice is not installed: only the .docx was produced."
)
PDF_FAILED_NOTE = (
    "PDF 转换失败，仅生成 .docx 文件。 / PDF conversion failed: only the .docx was produced."
)
_SOFFICE_CANDIDATES = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)
# Families asked for by the templates → installed families to use, best first.
FONT_MAP = {
    "方正小标宋简体": (["Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"], True),
    "仿宋_GB2312": (["FangSong", "Noto Serif CJK SC", "Source Han Serif SC"], False),
    "仿宋": (["FangSong", "Noto Serif CJK SC", "Source Han Serif SC"], False),
    "楷体_GB2312": (["KaiTi", "AR PL UKai CN", "Noto Serif CJK SC"], False),
    "楷体": (["KaiTi", "AR PL UKai CN", "Noto Serif CJK SC"], False),
    "黑体": (["SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"], False),
    "宋体": (["SimSun", "Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"], False),
}
CONVERT_TIMEOUT_S = 120.0
START_TIMEOUT_S = 120.0


def soffice_path() -> str | None:
    """The LibreOffice executable, or None when LibreOffice is not installed."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((c for c in _SOFFICE_CANDIDATES if os.access(c, os.X_OK)), None)


def available() -> bool:
    """True when LibreOffice is installed (a PDF can be produced)."""
    return soffice_path() is not None


@cache
def uno_python(soffice: str) -> str | None:
    """A Python interpreter that can `import uno`, or None."""
    program = Path(os.path.realpath(soffice)).parent
    candidates = [
        os.environ.get("LANDBOT_UNO_PYTHON") or "",
        sys.executable,
        "/usr/bin/python3",
        str(program / "python"),
        str(program / "python.exe"),
    ]
    for candidate in dict.fromkeys(c for c in candidates if c):
        if not os.access(candidate, os.X_OK):
            continue
        try:
            probe = subprocess.run(
                [candidate, "-I", "-c", "import uno"],
                capture_output=True,
                timeout=30,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return candidate
    return None


def fontconfig_file(directory: Path) -> Path:
    """A fontconfig file: the system configuration plus the official-font aliases."""
    parts = ['<?xml version="1.0"?>', '<!DOCTYPE fontconfig SYSTEM "fonts.dtd">', "<fontconfig>"]
    parts.append('  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>')
    for family, (prefer, bold) in FONT_MAP.items():
        families = "".join(f"<family>{p}</family>" for p in prefer)
        parts.append(
            f'  <alias binding="strong"><family>{family}</family><prefer>{families}</prefer></alias>'
        )
        if bold:
            parts.append(
                f'  <match target="pattern"><test name="family"><string>{family}</string></test>'
                '<edit name="weight" mode="assign"><const>bold</const></edit></match>'
            )
    parts.append("</fontconfig>")
    path = directory / "fonts.conf"
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return path


def _office_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    if Path("/etc/fonts/fonts.conf").exists():
        env["FONTCONFIG_FILE"] = str(fontconfig_file(workdir))
    env.setdefault("HOME", str(workdir))
    return env


def _looks_like_docx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return "word/document.xml" in z.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


class PdfConverter:
    """Converts .docx to PDF; one warm LibreOffice between `start()` and `stop()`.

    Thread-safe (one conversion at a time). `convert()` starts the converter on first use
    and returns None (after logging why) when no PDF can be made.
    """

    def __init__(self, *, warm: bool = True, soffice: str | None = None) -> None:
        self.warm = warm
        self._soffice = soffice
        self._lock = threading.RLock()
        self._workdir: Path | None = None
        self._env: dict[str, str] = {}  # soffice's environment, made with the workdir
        self._worker: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader: threading.Thread | None = None

    # lifecycle ------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        """ "uno" (warm worker running), "oneshot", or "none" (no LibreOffice)."""
        if self._worker is not None and self._worker.poll() is None:
            return "uno"
        return "oneshot" if self._soffice or available() else "none"

    def start(self) -> bool:
        """Start LibreOffice (warm mode); False when no LibreOffice is installed."""
        with self._lock:
            soffice = self._soffice or soffice_path()
            if soffice is None:
                return False
            self._soffice = soffice
            if self._workdir is None:
                self._workdir = Path(tempfile.mkdtemp(prefix="landbot-pdf-"))
                self._env = _office_env(self._workdir)
            if not self.warm or (self._worker is not None and self._worker.poll() is None):
                return True
            python = uno_python(soffice)
            if python is None:
                log.info("no Python with UNO found; converting with soffice --convert-to")
                return True
            self._start_worker(python, soffice)
            return True

    def _start_worker(self, python: str, soffice: str) -> None:
        assert self._workdir is not None
        with resources.as_file(resources.files("doc_templates").joinpath("uno_worker.py")) as w:
            script = str(w)
        profile = self._workdir / "profile"
        pipe = f"landbot-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lines = queue.Queue()
        worker = subprocess.Popen(
            [python, "-I", script, soffice, str(profile), pipe],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            env=self._env,
            start_new_session=True,  # its own process group: stop() ends soffice with it
        )
        self._worker = worker
        self._reader = threading.Thread(target=self._read, args=(worker,), daemon=True)
        self._reader.start()
        answer = self._answer(START_TIMEOUT_S)
        if not answer or not answer.get("ready"):
            log.warning("LibreOffice converter did not start: %s", answer)
            self._kill_worker()

    def _read(self, worker: subprocess.Popen[str]) -> None:
        assert worker.stdout is not None
        for line in worker.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _answer(self, timeout: float) -> dict[str, object] | None:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            return None
        if line is None:
            return None
        try:
            answer = json.loads(line)
        except json.JSONDecodeError:
            return None
        return answer if isinstance(answer, dict) else None

    def _kill_worker(self) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        with contextlib.suppress(OSError):
            if worker.stdin:
                worker.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=15)
        killpg = getattr(os, "killpg", None)
        if killpg is not None:  # POSIX: soffice and its children, if any remain
            with contextlib.suppress(ProcessLookupError, PermissionError):
                killpg(worker.pid, signal.SIGKILL)
        else:
            worker.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=5)
        if self._reader is not None:
            self._reader.join(timeout=5)
            self._reader = None
        if worker.stdout is not None:
            worker.stdout.close()

    def stop(self) -> None:
        """Stop LibreOffice and remove the converter's temporary files."""
        with self._lock:
            self._kill_worker()
            if self._workdir is not None:
                shutil.rmtree(self._workdir, ignore_errors=True)
                self._workdir = None
                self._env = {}

    def __enter__(self) -> PdfConverter:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # conversion -----------------------------------------------------------------------
    def convert(self, docx: bytes | str | os.PathLike[str]) -> bytes | None:
        """The PDF of a .docx (bytes or a path), or None when it cannot be made."""
        with self._lock:
            if not self.start():
                return None
            assert self._workdir is not None
            job = self._workdir / f"job-{uuid.uuid4().hex}"
            job.mkdir()
            try:
                src = job / "document.docx"
                if isinstance(docx, bytes):
                    src.write_bytes(docx)
                else:
                    shutil.copyfile(docx, src)
                if not _looks_like_docx(src):
                    log.warning("not a .docx file; no PDF made")
                    return None
                dst = job / "document.pdf"
                if self._worker is not None and self._worker.poll() is not None:
                    log.warning("LibreOffice converter had stopped; restarting it")
                    self._kill_worker()
                    self.start()
                ok = self._convert_uno(src, dst) if self._worker else self._convert_once(src, job)
                if not ok or not dst.exists():
                    return None
                return dst.read_bytes()
            finally:
                shutil.rmtree(job, ignore_errors=True)

    def _convert_uno(self, src: Path, dst: Path) -> bool:
        worker = self._worker
        assert worker is not None and worker.stdin is not None
        try:
            worker.stdin.write(json.dumps({"src": str(src), "dst": str(dst)}) + "\n")
            worker.stdin.flush()
        except OSError as exc:
            log.warning("LibreOffice converter is gone: %s", exc)
            self._kill_worker()
            return False
        answer = self._answer(CONVERT_TIMEOUT_S)
        if answer is None:
            log.warning("LibreOffice converter did not answer; restarting it next time")
            self._kill_worker()
            return False
        if not answer.get("ok"):
            log.warning("PDF conversion failed: %s", answer.get("error"))
            return False
        return True

    def _convert_once(self, src: Path, job: Path) -> bool:
        assert self._soffice is not None and self._workdir is not None
        profile = (self._workdir / "profile").as_uri()
        cmd = [
            self._soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "pdf:writer_pdf_Export",
            "--outdir",
            str(job),
            str(src),
        ]
        try:
            done = subprocess.run(
                cmd,
                capture_output=True,
                timeout=CONVERT_TIMEOUT_S,
                env=self._env,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("soffice --convert-to failed: %s", exc)
            return False
        if done.returncode != 0:
            log.warning("soffice --convert-to exited %s: %s", done.returncode, done.stderr[-500:])
            return False
        return True


def convert_once(docx: bytes | str | os.PathLike[str]) -> bytes | None:
    """Convert one document without keeping LibreOffice running (the CLI's `--pdf`)."""
    with PdfConverter(warm=False) as converter:
        return converter.convert(docx)
