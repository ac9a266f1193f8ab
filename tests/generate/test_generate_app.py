"""The web demo in headless Chromium: upload a clip, type a prompt, a playable music video appears."""
import shutil
import tempfile
import threading
from pathlib import Path

import pytest

from audiocraft_expotion.generate.app import make_server

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
TIMEOUT_S = 120


@pytest.fixture
def demo_url(tiny_generator, tmp_path):
    server = make_server(tiny_generator, port=0, workdir=tmp_path / "demo")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="expotion_chromium_")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(TIMEOUT_S)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_demo_returns_music_video(demo_url, browser, short_clip):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert demo_url.startswith("http://127.0.0.1:")
    browser.get(demo_url)
    assert "UNTRAINED" in browser.find_element(By.ID, "notice").text
    browser.find_element(By.ID, "video").send_keys(str(Path(short_clip).resolve()))
    prompt = browser.find_element(By.ID, "prompt")
    prompt.clear()
    prompt.send_keys("happy ukulele")
    browser.find_element(By.ID, "generate").click()
    wait = WebDriverWait(browser, TIMEOUT_S)
    video = wait.until(lambda d: d.find_elements(By.ID, "music-video") or d.find_element(By.ID, "error").text)
    assert isinstance(video, list), f"demo error: {video}"
    src = video[0].get_attribute("src")
    assert src.startswith(demo_url + "files/") and src.endswith("square_expotion.mp4")
    # The browser loads the file's metadata: a real video with the clip's duration and picture size.
    wait.until(lambda d: d.execute_script("const v = arguments[0]; return v.readyState >= 1 || v.error;", video[0]))
    state = browser.execute_script(
        "const v = arguments[0]; return {error: v.error && v.error.code, duration: v.duration, "
        "width: v.videoWidth, height: v.videoHeight};", video[0])
    assert state["error"] is None
    assert state["duration"] == pytest.approx(2.0, abs=0.1)
    assert (state["width"], state["height"]) == (160, 120)
