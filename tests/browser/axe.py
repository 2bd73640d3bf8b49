"""axe-core in the browser tests: a page has no serious or critical accessibility violation
(WCAG 2.1 A and AA rules), or the test fails naming each one and where it is."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page

AXE = Axe()
OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
}
BLOCKING = ("serious", "critical")


async def assert_accessible(page: Page) -> None:
    results = await AXE.run(page, options=OPTIONS)
    found = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    assert not found, f"{page.url}:\n" + "\n".join(
        f"{v['impact']} {v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    )


async def assert_fits(page: Page, width: int = 375) -> None:
    """Readable on a narrow phone: nothing makes the page scroll sideways."""
    await page.set_viewport_size({"width": width, "height": 800})
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    wide = await page.evaluate(
        """w => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > w)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)""",
        width,
    )
    assert scroll <= width, f"{page.url} is {scroll} px wide at {width} px: {wide}"
