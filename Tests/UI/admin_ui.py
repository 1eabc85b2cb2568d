#!/usr/bin/env python3
"""Drives fiscal-admin's web pages in headless Chromium (Selenium): sign in, create a client (a
refused form comes back filled in), a business unit and a device, upload the certificate twice
and retire one, issue a license, switch the device to production, filter and page the audit log,
read the dashboard's attention list, check the header at phone width, and screenshot the
dashboard. Exit 0 when every step did what a person would see.

Usage: admin_ui.py --base http://127.0.0.1:8080 --email a@b.me --password ... --certificate file.p12
       --certificate-password ... --screenshot dashboard.png
"""
import argparse
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("base", "email", "password", "certificate", "certificate-password", "screenshot"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    parser.add_argument("--phone-screenshot", default="")
    args = parser.parse_args()

    options = Options()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1360,900", "--lang=en-US"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(args.chromedriver), options=options)
    browser.implicitly_wait(5)
    steps = []

    def expect(condition: bool, what: str) -> None:
        steps.append(what)
        if not condition:
            raise AssertionError(f"{what} failed on {browser.current_url}:\n{browser.find_element(By.TAG_NAME, 'main').text[:800]}")

    def fill(form, values):
        for name, value in values.items():
            field = form.find_element(By.NAME, name)
            field.clear()
            field.send_keys(value)

    def navigate(action) -> None:
        """Runs a submit or a click and waits until the browser has left the page it was on."""
        page = browser.find_element(By.TAG_NAME, "html")
        action()
        WebDriverWait(browser, 15).until(expected_conditions.staleness_of(page))

    def notice() -> str:
        found = browser.find_elements(By.CSS_SELECTOR, "p.notice")
        return found[0].text if found else ""

    try:
        browser.get(args.base + "/")
        expect("/signin" in browser.current_url, "signed-out visitors are sent to the sign-in page")
        form = browser.find_element(By.CSS_SELECTOR, "form[action='/signin']")
        fill(form, {"email": args.email, "password": args.password})
        navigate(form.submit)
        expect(browser.find_element(By.TAG_NAME, "h1").text == "Dashboard", "sign in shows the dashboard")

        attention = browser.find_element(By.ID, "attention").text
        expect("wait for delivery" in attention and "production checklist" in attention, "the dashboard lists overdue deliveries and red checklists")
        expect("no license" in browser.find_element(By.ID, "devices").text, "the dashboard shows each device's license state")

        navigate(browser.find_element(By.LINK_TEXT, "Clients").click)
        form = browser.find_element(By.ID, "new-client")
        fill(form, {"name": "Kafana Lovćen d.o.o.", "tin": "1234567", "address": "Njegoševa 12", "town": "Cetinje", "vat_number": "30/31-00001-2"})
        form.find_element(By.ID, "in_vat").click()
        navigate(form.submit)
        form = browser.find_element(By.ID, "new-client")
        expect(form.find_element(By.NAME, "name").get_attribute("value") == "Kafana Lovćen d.o.o." and form.find_element(By.ID, "in_vat").is_selected()
               and form.find_element(By.NAME, "tin").get_attribute("aria-invalid") == "true", "a refused form comes back filled in, the TIN marked")
        fill(form, {"tin": "12345678"})
        navigate(form.submit)
        expect(notice() == "Client created." and browser.find_element(By.TAG_NAME, "h1").text == "Kafana Lovćen d.o.o.", "the new client's page opens")

        form = browser.find_element(By.ID, "new-unit")
        fill(form, {"code": "bb123bb123", "name": "Kafana Cetinje"})
        navigate(form.submit)
        expect(notice() == "Business unit added.", "a business unit is added")

        form = browser.find_element(By.ID, "upload-certificate")
        form.find_element(By.NAME, "certificate").send_keys(args.certificate)
        fill(form, {"password": "wrong password"})
        navigate(form.submit)
        expect("password" in browser.find_element(By.ID, "error").text.lower(), "a wrong certificate password is refused by name")
        form = browser.find_element(By.ID, "upload-certificate")
        form.find_element(By.NAME, "certificate").send_keys(args.certificate)
        fill(form, {"password": args.certificate_password})
        navigate(form.submit)
        expect(notice() == "Certificate uploaded and sealed.", "the certificate is uploaded")
        form = browser.find_element(By.ID, "upload-certificate")
        form.find_element(By.NAME, "certificate").send_keys(args.certificate)
        fill(form, {"password": args.certificate_password})
        navigate(form.submit)
        states = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#certificates td.state")]
        expect(states == ["in use", "not used (a newer one is)"], "a duplicate upload is told apart: the newest is in use")
        navigate(browser.find_element(By.CSS_SELECTOR, "#certificates button.danger").click)
        states = [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#certificates td.state")]
        expect(notice().startswith("Certificate retired") and states[0].startswith("retired ") and states[1] == "in use", "the duplicate is retired, the other is in use")

        form = browser.find_element(By.ID, "new-device")
        fill(form, {"internal_id": "1", "tcr_code": "cc123cc123", "software_code": "ss123ss123", "maintainer_code": "mm123mm123", "operator_code": "oo123oo123"})
        navigate(form.submit)
        expect(notice() == "Device added.", "a device is added")
        expect(browser.find_element(By.ID, "environment").text == "test", "a new device is in test")
        switch = browser.find_element(By.ID, "switch")
        button = switch.find_element(By.TAG_NAME, "button")
        expect(not button.is_enabled(), "the switch is disabled while the checklist is red")
        expect(button.value_of_css_property("cursor") == "not-allowed" and button.value_of_css_property("background-color") != "rgba(29, 53, 87, 1)"
               and "checklist" in browser.find_element(By.ID, "switch-why").text, "the disabled switch looks disabled and says why")

        navigate(browser.find_element(By.ID, "issue-license").submit)
        expect(notice() == "License issued.", "a license is issued")
        # The device's connector (enrolled by the test that runs this script) reports a test invoice.
        for _ in range(30):
            if not browser.find_elements(By.CSS_SELECTOR, "#checklist td.failed"):
                break
            time.sleep(0.5)
            navigate(browser.refresh)
        rows = browser.find_elements(By.CSS_SELECTOR, "#checklist td.failed")
        expect(not rows, "the checklist is green")
        switch = browser.find_element(By.ID, "switch")
        fill(switch, {"confirm": "cc123cc123"})
        navigate(switch.submit)
        expect(browser.find_element(By.ID, "environment").text == "production", "the device is switched to production")

        navigate(browser.find_element(By.LINK_TEXT, "Audit log").click)
        form = browser.find_element(By.ID, "audit-filter")
        form.find_element(By.CSS_SELECTOR, "#f-action option[value='device.switch_environment']").click()
        navigate(form.submit)
        rows = browser.find_elements(By.CSS_SELECTOR, "#audit tr")[1:]
        expect(len(rows) == 1 and "environment: test → production" in rows[0].text and "Kafana Lovćen" in rows[0].text,
               "the audit log filters by action and shows who, which device and what changed")
        navigate(browser.find_element(By.LINK_TEXT, "Show all").click)
        first = browser.find_element(By.CSS_SELECTOR, "#audit tr:nth-child(2)").text
        navigate(browser.find_element(By.ID, "older").click)
        expect(browser.find_element(By.ID, "newest") and browser.find_element(By.CSS_SELECTOR, "#audit tr:nth-child(2)").text != first, "the audit log pages")

        navigate(browser.find_element(By.LINK_TEXT, "Dashboard").click)
        devices = browser.find_element(By.ID, "devices").text
        expect("production" in devices and "until " in devices, "the dashboard lists the device in production with its license")
        browser.save_screenshot(args.screenshot)

        browser.set_window_size(375, 800)
        browser.get(args.base + "/")
        width = browser.execute_script("return document.documentElement.clientWidth")
        parts = browser.find_elements(By.CSS_SELECTOR, "header strong, header nav a, header form span, header button")
        expect(all(part.rect["x"] >= 0 and part.rect["x"] + part.rect["width"] <= width + 1 for part in parts)
               and browser.execute_script("return document.documentElement.scrollWidth") <= width, "the header fits a 375 px wide screen")
        if args.phone_screenshot:
            browser.save_screenshot(args.phone_screenshot)
        print("\n".join("ok - " + step for step in steps))
        return 0
    except Exception as error:  # noqa: BLE001 - every failure is reported the same way
        print("\n".join("ok - " + step for step in steps))
        print(f"not ok - {error}", file=sys.stderr)
        return 1
    finally:
        browser.quit()


if __name__ == "__main__":
    sys.exit(main())
