"""The phone page in a real browser: Debian's Chromium at 390×844 (headless, offline) against
`landbot web` started as a subprocess. Sign in with a code, answer by tapping and typing, see
a finding with its article, correct it, download the document, ask a policy question, see
the supply ledger with its chart.

Screenshots of every step go to tests/output/web/ (look at them: they must read well on a
phone, light and dark)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest

from bot import services
from bot.dialogue import load_form
from bot.services import review, users, web_login
from bot.services.ledger_excel import import_workbook
from bot.settings import load_settings
from storage.db import open_database
from tests.components import require_chromium
from tests.ledgerkit import workbook
from tests.servicekit import MAX_TURNS, example_answer
from tests.telegram.proc import BotProcess
from tests.web.kit import DEPARTMENT, SPECIAL

pytestmark = pytest.mark.slow
SHOTS = Path(__file__).resolve().parent.parent / "output" / "web"
PLANS = Path(__file__).resolve().parent.parent / "data" / "plans"
WAIT_S = 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, proc: BotProcess) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.proc is not None and proc.proc.poll() is None, proc.log()
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError:
            return  # 401: it answers
        except OSError:
            time.sleep(0.2)
            continue
        return
    raise AssertionError(f"landbot web did not start:\n{proc.log()}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, BotProcess, object]]:
    env = {
        "LANDBOT_DATA_DIR": str(tmp_path / "data"),
        "LANDBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'web.sqlite3'}",
    }
    db = open_database(load_settings(env))
    port = free_port()
    proc = BotProcess(["-m", "bot", "web", "--port", str(port)], {**os.environ, **env},
                      tmp_path / "web.log")  # fmt: skip
    proc.start()
    try:
        wait_for(f"http://127.0.0.1:{port}/api/me", proc)
        yield f"http://127.0.0.1:{port}", proc, db
    finally:
        proc.stop()
        db.dispose()


@pytest.fixture
def browser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    chromium, chromedriver = require_chromium()
    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never look for drivers
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--lang=zh-CN",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):  # fmt: skip
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation",
        {
            "deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 2},
            "userAgent": "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, "
            "like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47",
        },
    )
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()


class Page:
    def __init__(self, driver, base: str) -> None:
        self.d, self.base = driver, base
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.d.save_screenshot(str(SHOTS / f"{name}.png"))

    def find(self, css: str):
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.d, WAIT_S).until(
            ec.visibility_of_element_located(("css selector", css))
        )

    def until(self, test, what: str):
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.d, WAIT_S).until(lambda _: test(), message=what)

    def field(self) -> str:
        """The key of the question shown ("" when the form is complete)."""
        prompt = self.d.find_element("css selector", "#prompt")
        return prompt.get_attribute("data-field") or "" if prompt.is_displayed() else ""

    def tap(self, css: str) -> None:
        self.find(css).click()

    def tap_text(self, container: str, label: str) -> None:
        for b in self.d.find_elements("css selector", f"{container} button"):
            if b.text == label:
                b.click()
                return
        raise AssertionError(f"no button {label!r} in {container}")

    def prompt(self) -> str:
        return self.d.find_element("css selector", "#prompt").get_attribute("textContent")

    def say(self, text: str) -> None:
        """Type an answer and send it; wait until the page shows the next turn."""
        box = self.find("#answer")
        box.clear()
        box.send_keys(text)
        self.tap("#answer-form button[type=submit]")
        self.until(lambda: box.get_attribute("value") == "", f"an answer to {text!r}")

    def tap_answer(self, label: str) -> None:
        before = self.prompt()
        self.tap_text("#choices", label)
        self.until(lambda: self.prompt() != before, f"tapping {label!r}")


def no_alert(driver) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        _ = driver.switch_to.alert
    except NoAlertPresentException:
        return True
    return False


def test_an_official_on_a_phone(server, browser) -> None:
    base, proc, db = server
    code = users.format_code(users.invite(db, role="clerk", department=DEPARTMENT).code)
    page = Page(browser, base)
    browser.get(base + "/")
    page.find("#code")
    page.shot("01-login")
    page.find("#code").send_keys(code)
    page.find("#name").send_keys("张三")
    page.tap("#code-login button[type=submit]")
    page.find("#draft-list")
    assert "张三" in page.find(".who").text
    page.shot("02-drafts")

    page.tap("button[data-new=supply_plan]")
    assert page.find("#progress-text").text.startswith("第 1/")
    page.shot("03-first-question")
    page.say("<script>alert(1)</script>")  # shown as text, never run
    assert no_alert(browser) and page.field() == "parcel_code"
    page.tap_text("#commands", "跳过")
    page.until(lambda: page.field() == "jurisdiction", "跳过")
    page.say("郑州市金水区")
    kind = "supply_plan"
    form = load_form(kind)
    tapped = finding_seen = False
    for _ in range(MAX_TURNS):
        field = page.field()
        if not field:
            break
        answer = SPECIAL.get(field) or example_answer(kind, field)
        labels = [b.text for b in browser.find_elements("css selector", "#choices button")]
        if form.field(field).spec.type == "choice" and answer in labels:
            if not tapped:
                page.shot("04-choices")
            page.tap_answer(answer)
            tapped = True
        elif answer in labels and field != "five_checks":
            page.tap_answer(answer)
        else:
            page.say(answer)
        if field == "circuit_breaker_pct":
            card = page.find("#findings .finding.error")
            assert "熔断" in card.text and "四（二）" in card.text
            card.find_element("css selector", "summary").click()
            assert "120%" in card.find_element("css selector", "blockquote").text
            page.shot("05-finding")
            finding_seen = True
    assert tapped and finding_seen
    page.find("#done")
    assert "已全部填写" in page.find("#progress-text").text
    page.shot("06-done")

    page.tap_text("#findings .finding.error", "修改 熔断比例（占起始价）")
    page.until(lambda: page.field() == "circuit_breaker_pct", "修改")
    page.say("125%")
    page.until(lambda: not browser.find_elements("css selector", "#findings .finding.error"),
               "the finding is gone")  # fmt: skip
    page.shot("07-corrected")

    link = next(a for a in browser.find_elements("css selector", "#downloads a")
                if a.get_attribute("href").endswith("/supply_plan.docx"))  # fmt: skip
    browser.execute_script("arguments[0].scrollIntoView()", link)
    link.click()
    got = page.until(lambda: [p for p in browser.downloads.glob("*.docx")], "the download")
    assert got[0].name.endswith("供地方案.docx"), got[0].name
    text = "\n".join(p.text for p in docx.Document(str(got[0])).paragraphs)
    assert "<script>alert(1)</script>" in text

    page.tap(".tabs button[data-view=drafts]")
    page.until(lambda: "<script>alert(1)</script>" in page.find("#draft-list").text, "list")
    assert no_alert(browser)
    page.shot("08-my-drafts")

    page.tap(".tabs button[data-view=ask]")
    page.find("#question").send_keys("储备地临时出租能租多久")
    page.tap("#ask-form button[type=submit]")
    first = page.find("#ask-result .answer-item blockquote")
    assert first.text
    page.shot("09-ask")

    page.tap(".tabs button[data-view=procedure]")
    page.find("#p-jurisdiction").send_keys("新密市")
    browser.find_element("css selector", "#p-ownership option[value='']")
    for select, value in (("#p-ownership", "集体"), ("#p-planned_use", "住宅用地")):
        from selenium.webdriver.support.ui import Select

        Select(page.find(select)).select_by_visible_text(value)
    page.tap("#procedure-form button[type=submit]")
    assert "征收储备" in page.find("#procedure-result .card").text
    page.shot("10-procedure")

    rows = [["JS-1", "金水区住宅地块", "金水区", "住宅用地", 10, 2024, dt.date(2024, 3, 8)],
            ["JK-2", "经开区工业地块", "经开区", "工业用地", 20, 2024, None]]  # fmt: skip
    import_workbook(db, None, workbook(rows), department=DEPARTMENT)
    page.tap(".tabs button[data-view=ledger]")
    page.until(lambda: "完成率节点" in page.find("#ledger-card").text, "the ledger card")
    chart = page.find("#ledger-chart")
    page.until(lambda: browser.execute_script("return arguments[0].naturalWidth", chart) > 300,
               "the chart")  # fmt: skip
    assert "已供应 10.00 公顷" in page.find("#ledger-card").text
    page.shot("11-ledger")
    browser.execute_script("arguments[0].scrollIntoView()", page.find("#supplied-form"))
    page.shot("11b-ledger-record")

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})  # fmt: skip
    page.tap(".tabs button[data-view=fill]")
    page.shot("12-dark")

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": "light"}]})  # fmt: skip
    page.tap(".tabs button[data-view=drafts]")
    browser.refresh()  # a reload continues the draft being filled in
    page.find("#fill")
    assert "已全部填写" in page.find("#progress-text").text
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})  # fmt: skip
    page.until(lambda: browser.execute_script("return window.innerWidth") == 360, "360 px")
    inner, wide = browser.execute_script(
        "return [window.innerWidth, document.documentElement.scrollWidth]"
    )
    assert inner == 360 and wide <= 360, f"the page is {wide} px wide in a {inner} px window"
    tabs = browser.execute_script(
        "var t = document.querySelector('.tabs'); return [t.scrollWidth, t.clientWidth]"
    )
    assert tabs[0] <= tabs[1], f"the tabs need {tabs[0]} px in {tabs[1]} px: some are hidden"
    page.shot("13-360px-reloaded")

    with contextlib.suppress(Exception):
        browser.get("about:blank")
    assert proc.stop() == 0, proc.log()  # SIGTERM: a clean exit
    log = proc.log()
    assert "GET /api/drafts" in log or "POST /api/drafts" in log
    assert code not in log and code.replace("-", "") not in log


def test_a_reviewer_on_a_phone(server, browser) -> None:
    """A reviewer sees at once how many plans wait (审核 n, which fits at 360 px), opens one
    with its findings and documents, and approves it; the count goes."""
    base, _proc, db = server
    clerk_code = users.invite(db, role="clerk", department=DEPARTMENT).code
    clerk = users.register(db, channel="telegram", external_id=7001, display_name="李经办",
                           code_text=clerk_code).user  # fmt: skip
    plan = PLANS / "zhengzhou-residential-supply.yaml"
    draft = services.import_plan(db, clerk.id, plan.read_bytes(), filename=plan.name).draft
    assert draft is not None
    review.submit(db, clerk.id, draft.id)
    code = users.format_code(users.invite(db, role="reviewer", department=DEPARTMENT).code)

    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": True})  # fmt: skip
    page = Page(browser, base)
    browser.get(base + "/")
    page.find("#code").send_keys(code)
    page.find("#name").send_keys("王审核")
    page.tap("#code-login button[type=submit]")
    assert page.find("#review-count").text == "1"
    tabs = browser.execute_script(
        "var t = document.querySelector('.tabs'); return [t.scrollWidth, t.clientWidth]"
    )
    assert tabs[0] <= tabs[1], f"the tabs need {tabs[0]} px in {tabs[1]} px: some are hidden"
    page.shot("14-reviewer-waiting")

    page.tap(".tabs button[data-view=reviews]")
    page.tap(f"#review-list button[data-review='{draft.id}']")
    assert "郑州" in page.find("#review-card").text
    assert page.find("#review-downloads a")
    page.shot("15-review-card")
    page.find("#review-comment").send_keys("同意按此方案报批")
    page.tap("#approve")
    page.until(lambda: "没有等待审核的方案" in page.find("#review-list").text, "the list")
    assert not browser.find_element("css selector", "#review-count").is_displayed()
    page.shot("16-review-approved")
    assert services.get_draft(db, clerk.id, draft.id).status == "approved"

    # a second plan is returned with a comment; its clerk (of Telegram) opens it on a phone
    again = services.import_plan(db, clerk.id, plan.read_bytes(), filename=plan.name).draft
    assert again is not None
    review.submit(db, clerk.id, again.id)  # in the chat: the reviewer on the page gets a notice
    browser.refresh()
    waiting = page.find("#notices .notice.waiting")
    assert "待审核" in waiting.text and "李经办" in waiting.text
    assert page.find("#review-count").text == "1"
    page.shot("16b-reviewer-notice")
    page.tap_text("#notices .notice", "去审核")
    page.tap(f"#review-list button[data-review='{again.id}']")
    page.find("#review-comment").send_keys("请补充地块四至的勘测定界图")
    page.tap("#send-back")
    page.until(lambda: "没有等待审核的方案" in page.find("#review-list").text, "the list")
    page.tap("#logout")
    page.find("#code")  # signed out: the sign-in page
    link = web_login.create_login_link(db, clerk.id)
    browser.get(f"{base}/login/{link.token}")
    page.tap("#link-button")
    page.tap(f"#draft-list button[data-open='{again.id}']")
    note = page.find("#messages .msg.returned")
    assert "退回修改" in note.text and "请补充地块四至的勘测定界图" in note.text
    page.shot("17-returned-for-the-clerk")


def test_a_clerk_hears_of_the_decision_on_the_page(server, browser) -> None:
    """A clerk on the web page whose plan a reviewer returned in the Telegram chat: the page
    looks for news when it comes back into view, shows who returned it and why, and 查看 opens
    the plan; once seen, the notice is gone, here and for the clerk's other phones."""
    from bot.services import notices

    base, _proc, db = server
    code = users.invite(db, role="clerk", department=DEPARTMENT).code
    clerk = web_login.login_with_code(db, code, name="网页经办").user
    rev_code = users.invite(db, role="reviewer", department=DEPARTMENT).code
    reviewer = users.register(db, channel="telegram", external_id=7101, display_name="王审核",
                              code_text=rev_code).user  # fmt: skip
    plan = PLANS / "zhengzhou-residential-supply.yaml"
    draft = services.import_plan(db, clerk.id, plan.read_bytes(), filename=plan.name).draft
    assert draft is not None
    review.submit(db, clerk.id, draft.id, origin=web_login.CHANNEL)

    page = Page(browser, base)
    browser.get(f"{base}/login/{web_login.create_login_link(db, clerk.id).token}")
    page.tap("#link-button")
    page.find("#draft-list")
    assert not browser.find_elements("css selector", "#notices .notice")
    review.decide(db, reviewer.id, draft.id, "returned", comment="请补充地块四至的勘测定界图")
    browser.execute_script("document.dispatchEvent(new Event('visibilitychange'))")
    card = page.find("#notices .notice.returned")
    assert "退回修改" in card.text and "王审核" in card.text and "勘测定界图" in card.text
    page.until(lambda: "已退回" in page.find("#draft-list").text, "the new status in the list")
    page.shot("18-notice-returned")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia",
                            {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})  # fmt: skip
    page.shot("18b-notice-dark")
    page.tap_text("#notices .notice", "查看")
    note = page.find("#messages .msg.returned")
    assert "请补充地块四至的勘测定界图" in note.text
    assert not browser.find_elements("css selector", "#notices .notice")
    page.until(lambda: notices.unseen(db, clerk.id) == [], "the notice marked seen")
