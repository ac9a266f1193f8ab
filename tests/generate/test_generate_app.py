"""The gradio web demo in headless Chromium: upload a clip, type a prompt, a playable music video appears."""
import shutil
import socket
import tempfile

import pytest

from audiocraft_expotion.generate.app import HOST, build_demo, free_port

gr = pytest.importorskip("gradio", reason='the web demo needs gradio (pip install ".[demo]")')
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
needs_browser = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="browser test needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
TIMEOUT_S = 240


def test_busy_port_moves_to_the_next_free_one():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((HOST, 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert free_port(taken) > taken


@pytest.fixture
def demo_url(tiny_generator, tmp_path):
    demo = build_demo(tiny_generator, tmp_path / "demo")
    _, url, _ = demo.launch(server_name=HOST, server_port=free_port(7860), prevent_thread_lock=True, quiet=True)
    yield url
    demo.close()


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="expotion_chromium_")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1280,1400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(TIMEOUT_S)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@needs_browser
def test_demo_returns_playable_music_video(demo_url, browser, short_mp4, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    assert demo_url.startswith(f"http://{HOST}:")
    browser.get(demo_url)
    wait = WebDriverWait(browser, TIMEOUT_S)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#input-video input[type=file]"))
    assert "UNTRAINED" in browser.find_element(By.ID, "notice").text
    browser.find_element(By.CSS_SELECTOR, "#input-video input[type=file]").send_keys(str(short_mp4.resolve()))
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#input-video video"))  # upload finished
    prompt = browser.find_element(By.CSS_SELECTOR, "#prompt textarea")
    prompt.clear()
    prompt.send_keys("happy ukulele")
    browser.find_element(By.ID, "generate").click()
    done = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#music-video video[src]")
                      or d.find_elements(By.CSS_SELECTOR, ".toast-body.error"))
    assert done[0].tag_name == "video", f"demo error: {done[0].text}"
    video = done[0]
    assert video.get_attribute("src").endswith("square_expotion.mp4")
    # The browser loads the file's metadata: a real video with the clip's duration and picture size.
    wait.until(lambda d: d.execute_script("const v = arguments[0]; return v.readyState >= 1 || v.error;", video))
    state = browser.execute_script(
        "const v = arguments[0]; return {error: v.error && v.error.code, duration: v.duration, "
        "width: v.videoWidth, height: v.videoHeight};", video)
    assert state["error"] is None
    assert state["duration"] == pytest.approx(2.0, abs=0.1)
    assert (state["width"], state["height"]) == (160, 120)
    plot = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#plot img[src]"))[0]
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0;", plot))
    browser.save_screenshot(str(tmp_path / "demo.png"))
