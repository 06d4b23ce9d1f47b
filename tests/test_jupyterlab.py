"""Each learner notebook opens and runs in a real JupyterLab, driven through its UI in headless Chromium.

Needs Debian's Chromium (/usr/bin/chromium) and Playwright for Python; `.ci/run` installs both. Without
them the test is skipped with the reason. It takes minutes, so it runs on request: `pytest -m browser`. The server works on a copy of notebooks/, so the learner files
are never touched, and it is stopped (with the browser) however the test ends.
"""
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import json

import nbformat
import pytest

from vae_lesson import REPO_ROOT

CHROMIUM = Path(os.environ.get("VAE_LESSON_CHROMIUM", "/usr/bin/chromium"))
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
NOTEBOOK_LIMIT_S = 240  # one notebook, run through the UI
STALL_S = 60  # no progress for this long: the page is loaded again, once
OVERALL_LIMIT_S = 900   # the whole test
SCREENSHOTS = Path(os.environ.get("VAE_LESSON_SCREENSHOTS", REPO_ROOT / ".cache" / "screenshots"))

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 over a copy of notebooks/; yields (url, token, folder)."""
    folder = tmp_path_factory.mktemp("lab")
    shutil.copytree(REPO_ROOT / "notebooks", folder / "notebooks")
    settings = tmp_path_factory.mktemp("lab-settings")
    # Render every cell (no windowing, so all prompts and outputs are in the page) and fetch no news.
    for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},
                           "apputils-extension/notification": {"fetchNews": "false"}}.items():
        path = settings / f"@jupyterlab/{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(folder / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={folder}",
         "--allow-root", f"--LabApp.user_settings_dir={settings}",
         f"--LabApp.workspaces_dir={settings / 'workspaces'}"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "VAE_LESSON_DEVICE": "cpu"})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (folder / "server.log").read_text()[-2000:])
                time.sleep(0.5)
        yield url, token, folder
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _accept_dialogs(page):
    """Accept whatever dialog JupyterLab shows: a fresh server's first notebook can ask "Select Kernel"
    (Python 3 preselected), also after Run All was clicked, and its cells then wait for the answer. Escape
    or "No Kernel" would leave the notebook without a kernel."""
    for button in page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept").all():
        try:
            button.click(timeout=2_000)
        except playwright_api.TimeoutError:
            pass


def _click_run_all(page):
    """Run > Run All Cells; False if the menu did not answer."""
    try:
        _accept_dialogs(page)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click(timeout=10_000)
        page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click(timeout=10_000)
        return True
    except playwright_api.TimeoutError:
        page.screenshot(path=str(SCREENSHOTS / "run-all-not-clicked.png"))  # kept for diagnosis
        return False


def _kernel_states(url, token):
    """The execution state of each running kernel, from the server (not the page)."""
    with urllib.request.urlopen(f"{url}/api/kernels?token={token}", timeout=10) as response:
        return [k.get("execution_state") for k in json.load(response)]


def _run_all_cells(page, panel, n_code_cells, url, token):
    """Run all cells, then wait until every code cell shows an execution count.

    Twice on CI a fresh server's first notebook did not run: once nothing started, once cells stayed
    queued for 240 s. Whenever the page shows no progress for STALL_S while the kernel is idle (or no
    cell has started), it is loaded again, as a person would, and asked again, once per notebook."""
    deadline = time.monotonic() + NOTEBOOK_LIMIT_S
    asked, reloaded, last_change, last_prompts = None, False, time.monotonic(), None
    while time.monotonic() < deadline:
        _accept_dialogs(page)
        prompts = page.locator(f"{panel} .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        if prompts != last_prompts:
            last_prompts, last_change = prompts, time.monotonic()
        started = [p for p in prompts if p.strip("[]: \n")]
        numbered = [p for p in prompts if p.strip("[]: \n").isdigit()]
        if len(prompts) == n_code_cells and len(numbered) == n_code_cells:
            return
        stalled = time.monotonic() - last_change > STALL_S
        if stalled and not reloaded and (not started or "busy" not in _kernel_states(url, token)):
            page.screenshot(path=str(SCREENSHOTS / "run-all-stalled.png"))  # kept for diagnosis
            page.reload()
            page.locator(f"{panel} .jp-CodeCell").first.wait_for(timeout=60_000)
            reloaded, asked, last_change = True, None, time.monotonic()
            continue
        if asked is None or (not started and time.monotonic() - asked > 10):
            # A kernel that has only just connected can drop the first request, and a page still starting
            # may not answer its menu: ask again until something starts or the notebook's time runs out.
            _click_run_all(page)
            asked = time.monotonic()
        time.sleep(1)
    raise TimeoutError(f"cells still running after {NOTEBOOK_LIMIT_S} s (prompts {last_prompts}, "
                       f"kernels {_kernel_states(url, token)}, reloaded {reloaded})")


def _saved_errors(page, path):
    """Save through the UI, then read the saved notebook: the error outputs it holds."""
    before = path.stat().st_mtime
    page.keyboard.press("Control+s")
    deadline = time.monotonic() + 30
    while path.stat().st_mtime == before and time.monotonic() < deadline:
        time.sleep(0.5)
    nb = nbformat.read(path, as_version=4)
    return [f"cell {i}: {o['ename']}: {o['evalue']}" for i, c in enumerate(nb.cells)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.browser
def test_every_learner_notebook_runs_in_jupyterlab(lab, browser):
    url, token, folder = lab
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    started, failures = time.monotonic(), []
    for path in sorted((folder / "notebooks").glob("*.ipynb")):
        assert time.monotonic() - started < OVERALL_LIMIT_S, "the browser test ran past its overall limit"
        n_code = sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/notebooks/{path.name}?reset&token={token}")  # reset: no tabs restored
            panel = ".jp-NotebookPanel:not(.lm-mod-hidden)"
            page.locator(f"{panel} .jp-CodeCell").first.wait_for(timeout=60_000)
            page.locator(f"{panel} .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=60_000)
            _run_all_cells(page, panel, n_code, url, token)
            errors = _saved_errors(page, path)
            failures += [f"{path.name}: {e}" for e in errors]
            if path.name.startswith("08_"):
                sliders = page.locator(".jupyter-widgets.widget-slider")
                sliders.first.wait_for(timeout=30_000)
                labels = page.locator(".widget-slider .widget-label").all_inner_texts()
                if sliders.count() < 2 or labels[:2] != ["z1", "z2"]:
                    failures.append(f"{path.name}: the latent explorer's sliders did not render ({labels})")
                sliders.first.scroll_into_view_if_needed()
            page.screenshot(path=str(SCREENSHOTS / f"{path.stem}.png"))
        except Exception as error:  # record and go on: one broken notebook should not hide the others
            failures.append(f"{path.name}: {type(error).__name__}: {str(error).splitlines()[0]}")
            page.screenshot(path=str(SCREENSHOTS / f"failed-{path.stem}.png"))
        finally:
            page.close()
            _shut_down_kernels(url, token)
    log_tail = (folder / "server.log").read_text()[-3000:] if failures else ""
    assert not failures, "\n".join(failures) + "\n\nthe server's log, its end:\n" + log_tail


def _shut_down_kernels(url, token):
    """One notebook's kernel at a time: stop each once its notebook is done."""
    with urllib.request.urlopen(f"{url}/api/sessions?token={token}", timeout=10) as response:
        sessions = json.load(response)
    for session in sessions:
        request = urllib.request.Request(f"{url}/api/sessions/{session['id']}?token={token}", method="DELETE")
        urllib.request.urlopen(request, timeout=30).close()
