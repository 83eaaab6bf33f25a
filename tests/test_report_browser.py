"""The HTML report in a real browser (headless Chromium): a report of a real small run renders
(the screenshot is not blank), shows its findings, logs nothing to the console, and a module
named `<script>alert(1)</script>` (and one named like an <img> whose onerror retitles the page)
stays text. `make test` installs Debian's chromium when it can; without it these tests skip."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from report_run import IMG_NAME, SCRIPT_NAME, make_run

from torchvitals.report import write_report

# Chromium on a busy 2-core machine starts in seconds; this only guards against a hang.
HANG_GUARD_S = 300
BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no chromium on PATH (make test installs Debian's chromium: apt-get install -y chromium)")


def open_in_browser(page: Path, shot: Path) -> tuple[str, list[str]]:
    """Render `page` headless once: screenshot to `shot`; (the DOM after load, console lines).
    Console messages reach stderr as `INFO:CONSOLE` lines with --enable-logging=stderr (no CDP)."""
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={shot.parent / 'profile'}", "--enable-logging=stderr", "--v=0",
           "--window-size=1000,1600", f"--screenshot={shot}", "--dump-dom", page.resolve().as_uri()]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{BROWSER} did not finish within {HANG_GUARD_S} s rendering {page}; killed")
    assert proc.returncode == 0, f"{BROWSER} exited {proc.returncode}: {err[-2000:]}"
    return out, [ln for ln in err.splitlines() if ":CONSOLE" in ln]


def pixel_spread(png: Path) -> tuple[float, int]:
    """Standard deviation of the grey levels and the number of distinct colours."""
    pytest.importorskip("PIL", reason="pillow (in the dev extra) reads the screenshot")
    from PIL import Image, ImageStat

    with Image.open(png) as im:
        rgb = im.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        return ImageStat.Stat(rgb.convert("L")).stddev[0], len(colours)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    rep, page = write_report(make_run(tmp))
    shot = tmp / "report.png"
    dom, console = open_in_browser(page, shot)
    return rep, page, dom, console, shot


def test_report_renders_findings_and_charts(rendered):
    rep, _, dom, console, shot = rendered
    assert console == [], console
    assert [f.name for f in rep.diagnosis.findings] == ["dead-parameters"]
    assert "dead-parameters" in dom and "received no gradient" in dom and "1 problem(s)" in dom
    assert dom.count("<svg") >= 4  # heatmap, update ratios, gradient norms, loss, epochs
    assert shot.stat().st_size > 10_000
    std, colours = pixel_spread(shot)
    assert std > 10 and colours > 50, (std, colours)


def test_names_from_the_run_stay_text(rendered):
    _, page, dom, console, _ = rendered
    assert SCRIPT_NAME not in page.read_text() and "<img" not in page.read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom  # shown, as text
    assert "<script" not in dom and "<img" not in dom  # no element the names would have made
    assert "pwned" not in dom.split("</title>")[0]  # the onerror never retitled the page
    assert IMG_NAME.replace("<", "&lt;").replace(">", "&gt;") in dom
    assert console == []  # nor tried to run (a blocked script logs a CSP violation)


def test_the_harness_sees_what_it_checks_for(tmp_path):
    """The detectors can fail: an unescaped page logs to the console and grows an <img>."""
    bad = tmp_path / "bad.html"
    bad.write_text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{IMG_NAME}<script>console.error('x')</script></body></html>")
    dom, console = open_in_browser(bad, tmp_path / "bad.png")
    assert console and "<img" in dom and "pwned" in dom.split("</title>")[0]
