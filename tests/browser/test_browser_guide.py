"""Neo4j Browser, driven headless in a real Chromium: log in, the guide opens, one of its queries runs.

Expected rows are computed from the demo sample's raw JSON (never through TrialGraph's parser). The
screenshot is kept as a test artifact (``TRIALGRAPH_TEST_ARTIFACTS``, default
``.trialgraph/test-artifacts``). Chromium and chromedriver come from Debian's packages
(``.ci/run`` installs them); without them this test skips, or fails when ``TRIALGRAPH_REQUIRE_BROWSER``
is set, as it is in CI.
"""

from __future__ import annotations

import gzip
import html
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import httpx
import neo4j
import pytest

from tests.data import REPO_ROOT
from trialgraph.kg import browser, cypher, server
from trialgraph.kg.load import load
from trialgraph.loaders.base import discover
from trialgraph.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CONDITION_QUERY = "trials_for_condition"


def _demo_sample() -> Path:
    return Path(str(resources.files("trialgraph.samples").joinpath("ctgov-demo.jsonl.gz")))


def _trials_indexed_under(term: str) -> set[str]:
    """NCT ids of demo studies whose condition browse module lists ``term`` (as a heading or an ancestor)."""
    found = set()
    with gzip.open(_demo_sample(), "rt", encoding="utf-8") as fh:
        for line in fh:
            study = json.loads(line)
            module = study.get("derivedSection", {}).get("conditionBrowseModule", {})
            terms = {m["term"] for m in module.get("meshes", []) + module.get("ancestors", [])}
            if term in terms:
                found.add(study["protocolSection"]["identificationModule"]["nctId"])
    return found


@pytest.fixture(scope="module")
def demo_graph(module_driver: neo4j.Driver, tmp_path_factory: pytest.TempPathFactory) -> neo4j.Driver:
    from tests.conftest import wipe

    wipe(module_driver)
    load(module_driver, discover().create("ctgov"), [_demo_sample()], quarantine_dir=tmp_path_factory.mktemp("q"))
    return module_driver


def _base_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.http_port}/browser"


def test_guide_and_style_are_served_by_neo4j(neo4j_server: Settings) -> None:
    guide = httpx.get(f"{_base_url(neo4j_server)}/{browser.GUIDE_PATH}")
    style = httpx.get(f"{_base_url(neo4j_server)}/{browser.STYLE_PATH}")
    assert guide.status_code == 200 and style.status_code == 200
    assert guide.text == browser.guide_html()
    assert style.text == browser.style_grass()
    for name in cypher.named_queries():
        if name != "count_trials":
            assert f"<h3>{html.escape(cypher.describe(name).title)}</h3>" in guide.text, name


def test_conf_opens_the_guide_and_style_on_connect(neo4j_server: Settings) -> None:
    conf = (neo4j_server.server_dir / "conf" / "neo4j.conf").read_text()
    expected = browser.post_connect_command(neo4j_server.http_port)
    assert f"browser.post_connect_cmd={expected}\n" in conf
    assert "guide http://127.0.0.1:" in expected and "style http://127.0.0.1:" in expected


@pytest.fixture()
def chrome(tmp_path: Path) -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = f"Chromium or chromedriver missing ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium-driver"
        if os.environ.get("TRIALGRAPH_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="tg-chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1600,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _artifact(name: str) -> Path:
    folder = Path(os.environ.get("TRIALGRAPH_TEST_ARTIFACTS", REPO_ROOT / ".trialgraph" / "test-artifacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def _replace_text(element: object, text: str) -> None:
    """Type into a React input: select all and delete first (``clear()`` does not reach React's state)."""
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL + "a")  # type: ignore[attr-defined]
    element.send_keys(Keys.DELETE)  # type: ignore[attr-defined]
    element.send_keys(text)  # type: ignore[attr-defined]


@pytest.mark.browser
def test_browser_logs_in_opens_guide_and_runs_a_guide_query(
    demo_graph: neo4j.Driver, neo4j_server: Settings, chrome: object
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chrome
    wait = WebDriverWait(driver, 60)  # type: ignore[arg-type]
    bolt = f"127.0.0.1:{neo4j_server.bolt_port}"
    driver.get(f"{_base_url(neo4j_server)}/?connectURL=neo4j://{bolt}")  # type: ignore[attr-defined]
    try:
        address = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid=boltaddress]")))
        _replace_text(address, bolt)
        username = driver.find_element(By.CSS_SELECTOR, "[data-testid=username]")  # type: ignore[attr-defined]
        _replace_text(username, neo4j_server.neo4j_user)
        password = driver.find_element(By.CSS_SELECTOR, "[data-testid=password]")  # type: ignore[attr-defined]
        password.send_keys(server.local_password(neo4j_server))
        driver.find_element(By.CSS_SELECTOR, "[data-testid=connect]").click()  # type: ignore[attr-defined]

        # On connect, browser.post_connect_cmd opens the guide in the drawer.
        wait.until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), "Welcome to TrialGraph"))

        # Page through the guide to the condition query's slide.
        doc = cypher.describe(CONDITION_QUERY)
        for _ in range(40):
            headings = [h.text for h in driver.find_elements(By.CSS_SELECTOR, "h3")]  # type: ignore[attr-defined]
            if doc.title in headings:
                break
            next_button = driver.find_elements(By.XPATH, "//button[normalize-space()='Next']")  # type: ignore[attr-defined]
            assert next_button, f"guide ended before the slide {doc.title!r}; saw {headings}"
            next_button[0].click()
        else:
            pytest.fail(f"slide {doc.title!r} not found in the guide")

        runnables = [e for e in driver.find_elements(By.CSS_SELECTOR, ".runnable") if e.is_displayed()]  # type: ignore[attr-defined]
        assert len(runnables) == 2, "the slide shows a :params command and the query"
        for runnable in runnables:  # a click copies the text into the editor; the Run button runs it
            runnable.click()
            driver.find_element(By.CSS_SELECTOR, "[data-testid=editor-Run]").click()  # type: ignore[attr-defined]

        expected = sorted(_trials_indexed_under(doc.example_parameters()["condition"]))
        assert expected, "the demo sample has trials for the guide's example condition"
        first_page = expected[:25]
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=frame]"), first_page[-1]))
        frame_text = driver.find_elements(By.CSS_SELECTOR, "[data-testid=frame]")[0].text  # type: ignore[attr-defined]
        for nct_id in first_page:
            assert nct_id in frame_text
    finally:
        shot = _artifact("browser-guide.png")
        driver.save_screenshot(str(shot))  # type: ignore[attr-defined]
        print(f"screenshot: {shot}")
    assert shot.stat().st_size > 10_000
