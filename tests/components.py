"""Outside components the tests may need, skipped by name when missing.

CI (`.ci/run`) installs and starts them and sets LANDBOT_REQUIRE_COMPONENTS=1, so there a
missing component fails the run instead of skipping silently.
"""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRED = os.environ.get("LANDBOT_REQUIRE_COMPONENTS") == "1"


def require(present: bool, name: str) -> None:
    """Skip the calling test naming `name` when absent (fail instead under CI)."""
    if present:
        return
    if REQUIRED:
        pytest.fail(f"{name} is required in CI but is missing")
    pytest.skip(f"{name} not available")


def postgres_url() -> str | None:
    """The test PostgreSQL URL (LANDBOT_TEST_POSTGRES_URL), or None."""
    return os.environ.get("LANDBOT_TEST_POSTGRES_URL") or None


def require_postgres() -> str:
    url = postgres_url()
    require(url is not None, "PostgreSQL server (LANDBOT_TEST_POSTGRES_URL)")
    assert url is not None
    return url


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def require_libreoffice() -> str:
    path = soffice_path()
    require(path is not None, "LibreOffice (soffice)")
    assert path is not None
    return path


def calc_present(soffice: str) -> bool:
    """Whether LibreOffice has its spreadsheet (Debian: libreoffice-calc-nogui): the Calc
    library lies next to soffice; Writer alone cannot open a workbook."""
    from pathlib import Path

    program = Path(os.path.realpath(soffice)).parent
    return any(program.glob("libsclo.so*")) or (program / "libsclo.dylib").exists()


def require_calc() -> str:
    """soffice with LibreOffice Calc; skipped by name (failed in CI) when either is missing."""
    path = soffice_path()
    require(path is not None and calc_present(path), "LibreOffice Calc (libreoffice-calc-nogui)")
    assert path is not None
    return path


def require_pdftotext() -> str:
    path = shutil.which("pdftotext")
    require(path is not None, "pdftotext (poppler-utils)")
    assert path is not None
    return path


def chromium_paths() -> tuple[str, str] | None:
    """(chromium, chromedriver) from Debian's packages, or None (nothing is ever downloaded)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def require_chromium() -> tuple[str, str]:
    paths = chromium_paths()
    require(
        paths is not None, "Chromium and chromedriver (apt-get install chromium chromium-driver)"
    )
    assert paths is not None
    return paths
