#!/usr/bin/env python3
"""A real browser on the auth server's page.

Headless Chromium (Debian's chromium and chromium-driver, driven by Selenium)
opens GET /, types a peer id and session token, clicks "Get Credential",
and reads the credential the page shows. The credential is checked with
Python's hmac (authToken = base64(HMAC-SHA256(secret, "ts:ttl:peerId"))), a
wrong session token must show the refusal, and screenshots of both are kept
under build/integration/browser-*/.
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time

from harness import Checks, start_auth_server, workdir
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

SECRET, SESSION, PEER, TTL = "skyway-browser-secret-0123456789ab", "session-token-abc", "browser-peer-7", 3600


def main():
    t = Checks("browser")
    tmp = workdir("browser")
    server = start_auth_server(tmp, {"skyway": {"secretKey": SECRET, "ttl": TTL, "sessionTokens": [SESSION]}})
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,800"):
        options.add_argument(arg)
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"),
                      log_output=os.path.join(tmp, "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.get(server.base + "/")
        t.check("the page at / loads in Chromium", "Tessera" in driver.title, driver.title)
        button = driver.find_element(By.ID, "getCredential")
        t.check('the page has a "Get Credential" button', button.text == "Get Credential", button.text)

        def ask(peer, session):
            for field, value in (("peerId", peer), ("sessionToken", session)):
                box = driver.find_element(By.ID, field)
                box.clear()
                box.send_keys(value)
            before = time.time()
            driver.find_element(By.ID, "getCredential").click()
            WebDriverWait(driver, 10).until(
                lambda d: d.find_element(By.ID, "status").text.startswith(("Credential received", "Refused", "Request failed")))
            return before, driver.find_element(By.ID, "status").text, driver.find_element(By.ID, "credential").text

        before, status, shown = ask(PEER, SESSION)
        t.check("clicking posts to /authenticate and the page shows a credential",
                status == "Credential received.", status)
        try:
            cred = json.loads(shown)
        except ValueError:
            cred = {}
        t.check("the shown credential is JSON with peerId, timestamp, ttl and authToken",
                set(cred) == {"peerId", "timestamp", "ttl", "authToken"}, shown)
        t.check("it is for the peer typed in, with the configured ttl",
                cred.get("peerId") == PEER and cred.get("ttl") == TTL, cred)
        ts = cred.get("timestamp", 0)
        t.check("its timestamp is the time of the click", before - 2 <= ts <= time.time() + 2, ts)
        expected = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}:{TTL}:{PEER}".encode(), hashlib.sha256).digest()).decode()
        t.check("its authToken is base64(HMAC-SHA256(secret, timestamp:ttl:peerId)) (Python hmac)",
                hmac.compare_digest(cred.get("authToken", ""), expected), cred.get("authToken"))
        shot = os.path.join(tmp, "credential.png")
        driver.save_screenshot(shot)
        with open(shot, "rb") as f:
            png = f.read()
        t.check(f"screenshot kept: {os.path.relpath(shot)}", png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000, len(png))

        _, status, shown = ask(PEER, "not-a-session-token")
        t.check("a wrong session token shows the refusal (401) and no credential",
                status.startswith("Refused (401)") and shown == "", (status, shown))
        driver.save_screenshot(os.path.join(tmp, "refused.png"))
        log = [json.loads(line) for line in open(os.path.join(tmp, "auth-server.log"))]
        posts = [e for e in log if e.get("method") == "POST" and e.get("path") == "/authenticate"]
        t.check("the server saw the browser's two POST /authenticate", len(posts) == 2, posts)
    finally:
        driver.quit()
        t.check("auth server stops cleanly", server.stop() == 0)
    return t.finish()


if __name__ == "__main__":
    sys.exit(main())
