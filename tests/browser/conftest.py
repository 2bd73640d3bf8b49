"""The browser tests' shared fixture: the live app with a seeded programme and Chromium."""

from tests.browser.test_dashboard_browser import live  # noqa: F401  (a shared fixture)
