"""The managers' page's tabs, opened one after another in a browser test."""

from __future__ import annotations

from collections.abc import Iterator

from playwright.sync_api import Locator, Page, expect

# Each tab and the list its rows from the API fill.
TABS = {
    "locations": "locations-table",
    "topics": "topics-table",
    "desks": "desks-list",
    "staff": "staff-table",
    "kiosks": "kiosks-table",
    "organisations": "organisations-table",
    "sessions": "rules-table",
}


def each_tab(page: Page, location: str) -> Iterator[tuple[str, Locator]]:
    """Open every tab of the managers' page in turn (``location`` chosen where the tab asks
    for one), each once its rows have come; yields the tab's name and its button."""
    for tab, loaded in TABS.items():
        button = page.get_by_test_id(f"tab-{tab}")
        button.click()
        expect(button).to_have_attribute("aria-selected", "true")
        chooser = page.get_by_test_id(f"{tab}-location")
        if chooser.count():
            chooser.select_option(location)
        expect(page.get_by_test_id(loaded).locator("tbody tr, li").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        yield tab, button
