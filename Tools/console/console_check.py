#!/usr/bin/env python3
"""The operator console in a real browser (Debian's chromium, driven by Selenium + chromium-driver).

Started by Tools/console-check, which builds and starts a private redis-server and loom-server
(plaintext RPC, --callback-auth none, --console-auth none on loopback). This script plays the
migrator itself (a tiny HTTP server that accepts dispatches; events are posted to the REST shim),
announces a migration whose candidate carries a hostile name, drives runs with loomctl, and checks
in the browser: the fleet, migration and run pages; a run that moves on the open page without a
reload; an approval (loomctl) that completes it live; the hostile name shown as text with nothing
run; no CSP violation. Screenshots of every page go to .build/console-screenshots/.
"""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

HOSTILE = "<img src=x onerror=alert(1)>"
MIGRATION = "manifest-upgrade"

shim = os.environ["CONSOLE_CHECK_SHIM"]          # http://127.0.0.1:PORT
console = os.environ["CONSOLE_CHECK_CONSOLE"]    # http://127.0.0.1:PORT
loomctl = os.environ["CONSOLE_CHECK_LOOMCTL"]
shots = os.environ["CONSOLE_CHECK_SCREENSHOTS"]
migrator_port = int(os.environ["CONSOLE_CHECK_MIGRATOR_PORT"])

dispatches = []
dispatched = threading.Condition()


class Migrator(BaseHTTPRequestHandler):
    """Accepts every dispatch (202) and remembers it; the script reports the events."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        if self.path == "/dispatch-step":
            with dispatched:
                dispatches.append(body)
                dispatched.notify_all()
            self.send_response(202)
        else:
            self.send_response(404)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"content-type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def wait_dispatch(candidate, step, timeout=20):
    deadline = time.time() + timeout
    with dispatched:
        while True:
            for d in dispatches:
                if d["candidate"]["id"] == candidate and d["stepName"] == step:
                    return d
            left = deadline - time.time()
            if left <= 0:
                sys.exit(f"console-check: no dispatch of {step} for {candidate}")
            dispatched.wait(left)


def wait_dispatch_attempt(candidate, step, attempt, timeout=20):
    deadline = time.time() + timeout
    with dispatched:
        while True:
            for d in dispatches:
                if d["candidate"]["id"] == candidate and d["stepName"] == step and d.get("attempt") == attempt:
                    return d
            left = deadline - time.time()
            if left <= 0:
                sys.exit(f"console-check: no dispatch of {step} attempt {attempt} for {candidate}")
            dispatched.wait(left)


def event(dispatch, **fields):
    callback = dispatch.get("callbackUrl") or f"{shim}/event/{urllib.parse.quote(dispatch['callbackId'], safe='')}"
    payload = {"stepName": dispatch["stepName"], "candidateId": dispatch["candidate"]["id"], "success": True}
    payload.update(fields)
    assert post(callback, payload) in (200, 202)


def ctl(*args):
    print("$ loomctl " + " ".join(args), flush=True)
    subprocess.run([loomctl, *args, "--insecure"], check=True, stdout=subprocess.DEVNULL)


def shot(driver, name):
    path = os.path.join(shots, f"{name}.png")
    driver.save_screenshot(path)
    print(f"  screenshot {path}", flush=True)


def expect(condition, message):
    if not condition:
        sys.exit(f"console-check: FAILED: {message}")
    print(f"  ok: {message}", flush=True)


def no_alert(driver):
    try:
        text = driver.switch_to.alert.text
        sys.exit(f"console-check: FAILED: an alert ran: {text!r}")
    except NoAlertPresentException:
        pass


def csp_violations(driver):
    return [e["message"] for e in driver.get_log("browser") if "Content Security Policy" in e["message"] or "Refused to" in e["message"]]


def main():
    server = ThreadingHTTPServer(("127.0.0.1", migrator_port), Migrator)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    print("== announce (REST shim)", flush=True)
    post(f"{shim}/registry/announce", {
        "id": MIGRATION, "name": "Upgrade deployment manifests", "description": "apps/v1beta1 -> apps/v1",
        "migratorUrl": f"http://127.0.0.1:{migrator_port}",
        "requiredInputs": [{"name": "team", "label": "Owning team"}],
        "steps": [
            {"name": "upgrade-api-version", "migratorApp": "check", "type": "replace-api-version"},
            {"name": "review-rollout", "migratorApp": "check", "type": "manual-review"},
        ],
        "candidates": [
            {"id": "acme/billing-api", "kind": "application", "metadata": {"team": "payments"}},
            {"id": "acme/xss", "kind": "application", "metadata": {"name": HOSTILE}},
        ] + [{"id": f"acme/svc-{i:03d}", "kind": "service"} for i in range(60)],
    })

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=ChromeService(executable_path="/usr/bin/chromedriver"), options=options)
    wait = WebDriverWait(driver, 20)
    try:
        print("== fleet page", flush=True)
        driver.get(console + "/")
        expect(driver.find_element(By.TAG_NAME, "h1").text == "Fleet", "the fleet page opens")
        expect("Upgrade deployment manifests" in driver.page_source, "the migration is listed")
        shot(driver, "1-fleet")

        print("== migration page", flush=True)
        driver.find_element(By.LINK_TEXT, "Upgrade deployment manifests").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "Upgrade deployment manifests")
        rows = driver.find_elements(By.CSS_SELECTOR, "table.candidates tbody tr")
        expect(len(rows) == 50, f"the first page shows 50 of 62 candidates ({len(rows)})")
        shot(driver, "2-migration")
        driver.find_element(By.LINK_TEXT, "Next page").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.candidates tbody tr")) == 12)
        expect(True, "the next page shows the other 12")
        xss = driver.find_element(By.CSS_SELECTOR, 'tr[data-candidate="acme/xss"] td.meta')
        expect(xss.text == f"name={HOSTILE}", "the hostile candidate name is shown as text")
        expect(not driver.find_elements(By.TAG_NAME, "img"), "no img element on the page")
        no_alert(driver)
        shot(driver, "2b-migration-page-2")
        # The filter form, by keyboard: type a prefix, Enter.
        box = driver.find_element(By.ID, "f-q")
        box.clear()
        box.send_keys("acme/svc-05", Keys.ENTER)
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "table.candidates tbody tr")) == 10)
        expect(True, "the id-prefix search finds acme/svc-050 … 059")
        shot(driver, "3-migration-filtered")

        print("== a run, live", flush=True)
        ctl("run", "start", MIGRATION, "acme/billing-api", "--input", "team=payments")
        first = wait_dispatch("acme/billing-api", "upgrade-api-version")
        driver.get(console + "/migrations/manifest-upgrade/candidates/acme%2Fbilling-api")
        wait.until(lambda d: "Live: connected" in d.find_element(By.ID, "live-status").text or "Live: updated" in d.find_element(By.ID, "live-status").text)
        driver.execute_script("window.__sameDocument = 'yes';")
        shot(driver, "4-run-started")
        event(first, phase="open", metadata={"prUrl": "https://git.example.com/acme/billing-api/pull/42"})
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'li[data-step="upgrade-api-version"] a[href="https://git.example.com/acme/billing-api/pull/42"]'))
        expect(True, "the PR link appears without a reload")
        event(first, metadata={"phase": "merged"})
        review = wait_dispatch("acme/billing-api", "review-rollout")
        event(review, phase="awaiting_review", metadata={"instructions": "check the rollout"})
        wait.until(lambda d: "awaiting_review" in d.find_element(By.CSS_SELECTOR, 'li[data-step="review-rollout"]').text)
        expect(driver.execute_script("return window.__sameDocument") == "yes", "the step reached awaiting_review on the same page (no reload)")
        shot(driver, "5-run-awaiting-review")
        ctl("run", "approve", MIGRATION, "acme/billing-api")
        wait.until(lambda d: "completed" in d.find_element(By.ID, "run-status").text)
        expect(driver.execute_script("return window.__sameDocument") == "yes", "the approval completed the run live (no reload)")
        shot(driver, "6-run-completed")

        print("== the hostile candidate's run", flush=True)
        ctl("run", "start", MIGRATION, "acme/xss", "--input", "team=" + HOSTILE)
        d = wait_dispatch("acme/xss", "upgrade-api-version")
        event(d, success=False, failureReason="could not parse " + HOSTILE, metadata={"prUrl": "javascript:alert(1)"})
        driver.get(console + "/migrations/manifest-upgrade/candidates/acme%2Fxss")
        wait.until(lambda d: "waiting_retry" in d.find_element(By.ID, "run-status").text)
        expect(HOSTILE in driver.find_element(By.CSS_SELECTOR, "dd.failure").text or HOSTILE in driver.page_source.replace("&lt;", "<").replace("&gt;", ">"),
               "the hostile failure reason is shown as text")
        expect(not driver.find_elements(By.TAG_NAME, "img"), "no img element on the run page")
        expect(not driver.find_elements(By.CSS_SELECTOR, 'a[href^="javascript"]'), "a javascript: PR link is not a link")
        no_alert(driver)
        shot(driver, "7-run-hostile")

        print("== actions in the browser: retry, cancel with confirmation, forged POST", flush=True)
        forged = driver.execute_script("""
            const r = await fetch(location.pathname + '/cancel', {method: 'POST', body: new URLSearchParams({confirm: 'yes'})});
            return r.status;""")
        expect(forged == 403, f"a POST without the CSRF token is refused ({forged})")
        driver.find_element(By.ID, "action-retry").click()
        again = wait_dispatch_attempt("acme/xss", "upgrade-api-version", 2)
        event(again, phase="open", metadata={"prUrl": "https://git.example.com/acme/xss/pull/7"})
        wait.until(lambda d: "running" in d.find_element(By.ID, "run-status").text and d.find_elements(By.ID, "action-cancel"))
        expect(True, "Retry dispatched the step again; the page shows the run running")
        driver.find_element(By.ID, "action-cancel").click()
        wait.until(lambda d: d.find_elements(By.ID, "c-reason"))
        shot(driver, "7b-cancel-confirmation")
        driver.find_element(By.ID, "c-reason").send_keys("rollout postponed", Keys.ENTER)
        wait.until(lambda d: "cancelled" in d.find_element(By.ID, "run-status").text)
        expect("rollout postponed" in driver.page_source, "Cancel, confirmed, cancelled the run with its reason")
        expect(not driver.find_elements(By.ID, "action-cancel"), "a cancelled run offers no more actions")
        shot(driver, "7c-run-cancelled")

        print("== start a run from the migration page, with its input", flush=True)
        driver.get(console + "/migrations/manifest-upgrade?q=acme/svc-000")
        driver.find_element(By.CSS_SELECTOR, 'a[aria-label="Start acme/svc-000"]').click()
        wait.until(lambda d: d.find_elements(By.ID, "i-0"))
        expect(driver.find_element(By.CSS_SELECTOR, 'label[for="i-0"]').text.startswith("Owning team"), "the start form labels the required input")
        shot(driver, "7d-start-form")
        driver.find_element(By.ID, "i-0").send_keys("core", Keys.ENTER)
        wait.until(lambda d: d.find_elements(By.ID, "run-status"))
        expect("team=core" in driver.page_source, "the run started with its input, and the browser is on its page")
        d = wait_dispatch("acme/svc-000", "upgrade-api-version")
        event(d, metadata={"phase": "merged"})
        d = wait_dispatch("acme/svc-000", "review-rollout")
        driver.get(console + "/")
        wait.until(lambda d: "Live" in d.find_element(By.ID, "live-status").text)
        driver.execute_script("window.__sameDocument = 'fleet';")
        event(d, phase="awaiting_review")
        wait.until(lambda d: d.find_element(By.ID, "total-awaiting-review").text == "1")
        expect(driver.execute_script("return window.__sameDocument") == "fleet", "the fleet page counted the run awaiting review live (no reload)")
        driver.get(console + "/migrations/manifest-upgrade/candidates/acme%2Fsvc-000")
        driver.find_element(By.ID, "action-approve").click()
        wait.until(lambda d: "completed" in d.find_element(By.ID, "run-status").text)
        expect(True, "Approve in the browser completed the run")

        driver.get(console + "/")
        expect(driver.find_element(By.ID, "total-waiting-retry").text == "0", "the fleet page no longer counts the cancelled run")
        shot(driver, "8-fleet-after")
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
        driver.get(console + "/migrations/manifest-upgrade/candidates/acme%2Fbilling-api")
        background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
        expect(background == "rgb(13, 17, 23)", f"dark mode follows prefers-color-scheme ({background})")
        shot(driver, "9-run-dark")

        violations = csp_violations(driver)
        expect(not violations, f"no Content-Security-Policy violation ({violations[:3]})")
    finally:
        driver.quit()
        server.shutdown()
    print("console-check: all checks passed", flush=True)


if __name__ == "__main__":
    import urllib.parse  # noqa: E402  (used by event())
    main()
