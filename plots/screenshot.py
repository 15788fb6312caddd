"""Screenshot of an explorer page (``v2g-pareto explore``) in headless Chromium, offline.

The same browser the test suite drives (tests/plots/test_explorer.py): Debian's chromium and
chromedriver, given to selenium by path with SE_OFFLINE set, so nothing is downloaded, and
every host unresolvable, so the page must work from disk alone. The screenshot shows the
whole page after an optional brush (``--brush COLUMN:LO:HI``, a parallel-coordinates range
in the column's unit) and a click on a solution (``--select ROW``, a front.csv row).

    python plots/screenshot.py runs/b/explore.html docs/img/explorer-building.png \\
        --brush peak_valley:0:400
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import shutil
import sys
import time
from pathlib import Path

from PIL import Image

from moo.rundir import atomic_write_bytes

BROWSER_ARGS = (
    "--headless=new",
    "--no-sandbox",  # CI and this container run as root
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--proxy-server=http://127.0.0.1:9",  # nothing may reach the network ...
    "--host-resolver-rules=MAP * ~NOTFOUND",  # ... nor resolve a name
    "--enable-unsafe-swiftshader",  # WebGL (3-D front, parcoords) on the CPU
    "--use-angle=swiftshader",
)
READY_S = 120.0  # software WebGL on a loaded 2-core machine takes tens of seconds


def available() -> bool:
    """True when selenium and the system's chromium and chromedriver are installed."""
    return chromium_paths() is not None and importlib.util.find_spec("selenium") is not None


def chromium_paths() -> tuple[str, str] | None:
    """(browser, chromedriver) of the system packages, or None when either is missing."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def chromium_driver(width: int = 1400, height: int = 2400):
    """A headless, offline Chromium driven by selenium (browser console logs captured)."""
    paths = chromium_paths()
    if paths is None:
        raise RuntimeError("chromium and chromedriver are not installed "
                           "(apt-get install chromium chromium-driver)")
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager never downloads a browser or driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = paths[0]
    for arg in (*BROWSER_ARGS, f"--window-size={width},{height}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=paths[1]), options=options)


def wait_for(driver, script: str, timeout_s: float = READY_S):
    """Poll a JavaScript expression (``return ...``) until it is truthy."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        result = driver.execute_script(script)
        if result:
            return result
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout_s:g} s waiting for: {script}")


def open_page(driver, html: Path) -> None:
    """Load an explorer page and wait until its controller has drawn every view."""
    driver.get(Path(html).resolve().as_uri())
    wait_for(driver, "return window.explorer !== undefined")


def brush(driver, column: str, lo: float, hi: float) -> int:
    """Brush one parallel-coordinates axis to [lo, hi]; returns the rows left in the table."""
    axes = driver.execute_script("return window.explorer.data.parcoords")
    if column not in axes:
        raise ValueError(f"--brush: no parallel-coordinates axis {column!r} ({', '.join(axes)})")
    # The plotly_restyle handler filters the views before restyle's promise resolves.
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "Plotly.restyle('parcoords', {[`dimensions[${arguments[0]}].constraintrange`]: "
        "[[arguments[1], arguments[2]]]}).then(() => done(window.explorer.state.rows.length));",
        axes.index(column), lo, hi)


def screenshot(html: Path, png: Path, *, width: int = 1400, brush_range=None,
               select: int | None = None) -> Path:
    """Write a PNG of the whole explorer page (atomically); a browser failure or a console
    error is a RuntimeError."""
    from selenium.common.exceptions import WebDriverException

    try:
        return _screenshot(html, png, width, brush_range, select)
    except WebDriverException as exc:
        raise RuntimeError(f"{html}: the browser failed: {exc.msg}") from None


def _screenshot(html: Path, png: Path, width: int, brush_range, select) -> Path:
    driver = chromium_driver(width, 1200)
    try:
        open_page(driver, html)
        if brush_range is not None:
            brush(driver, *brush_range)
        if select is not None:
            driver.execute_script("window.explorer.select(arguments[0])", select)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        # The viewport itself (not the window, whose frame takes some of it) gets the page size.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        time.sleep(1.0)  # let plotly's responsive resize redraw
        errors = [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        if errors:
            raise RuntimeError(f"{html}: console errors: {errors[0]}")
        atomic_write_bytes(Path(png), _small_png(driver.get_screenshot_as_png()))
    finally:
        driver.quit()
    return Path(png)


def _small_png(png: bytes) -> bytes:
    """The screenshot with a 256-colour palette: a third of the size, for committed results."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    buf = io.BytesIO()
    small.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _range(text: str) -> tuple[str, float, float]:
    try:
        column, lo, hi = text.split(":")
        return column, float(lo), float(hi)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use COLUMN:LO:HI") from None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("html", type=Path, help="An explorer page (v2g-pareto explore).")
    ap.add_argument("png", type=Path, help="The screenshot to write.")
    ap.add_argument("--width", type=int, default=1400)
    ap.add_argument("--brush", type=_range, default=None, metavar="COLUMN:LO:HI")
    ap.add_argument("--select", type=int, default=None, metavar="ROW")
    args = ap.parse_args(argv)
    if not args.html.is_file():
        print(f"{args.html}: no such page", file=sys.stderr)
        return 2
    path = screenshot(args.html, args.png, width=args.width, brush_range=args.brush,
                      select=args.select)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
