"""``reportdsl watch`` in a real browser (headless Chromium): the page shows the pages,
follows edits of the report on disk without being reloaded, keeps its scroll
position, shows an error with its caret beside the last good pages, and recovers."""

from __future__ import annotations

from .conftest import report_text, rows_csv

PAGES = "#pages img"


def pages_version(page) -> int:
    return int(page.get_attribute("#pages", "data-version"))


def wait_for_version(page, version: int) -> None:
    page.wait_for_function("v => Number(document.getElementById('pages').dataset.version) >= v", arg=version)


def loaded_images(page) -> list[tuple[str, int]]:
    return [tuple(each) for each in page.eval_on_selector_all(
        PAGES, "images => images.map(i => [i.getAttribute('src'), i.naturalWidth])")]


def test_the_page_shows_the_reports_pages(watch, page):
    live = watch(report_text(), files={"data.csv": rows_csv(5)})
    page.goto(live.url)
    page.wait_for_selector(PAGES)
    wait_for_version(page, 1)
    images = loaded_images(page)
    assert images == [("/page/1.svg?v=1", images[0][1])]
    assert images[0][1] > 500  # an A4 page's width in CSS pixels, drawn
    assert page.title() == "live.report — reportdsl watch"
    assert page.is_hidden("#error")
    assert "1 page" in page.inner_text("#status")


def test_an_edit_on_disk_changes_the_page_without_a_reload(watch, page):
    live = watch(report_text(), files={"data.csv": rows_csv(120)})
    page.goto(live.url)
    wait_for_version(page, 1)
    count = len(loaded_images(page))
    assert count >= 2
    before = page.request.get(live.url + "page/1.svg?v=1").body()
    page.evaluate("window.notReloaded = true")
    page.evaluate("window.scrollTo(0, 1500)")
    assert page.evaluate("window.scrollY") == 1500

    live.report.write_text(report_text(title="Second title"), encoding="utf-8")
    wait_for_version(page, 2)

    assert page.evaluate("window.notReloaded") is True
    images = loaded_images(page)
    assert [src for src, _ in images] == [f"/page/{n}.svg?v=2" for n in range(1, count + 1)]
    assert all(width > 500 for _, width in images)
    assert page.request.get(live.url + "page/1.svg?v=2").body() != before  # the new title is drawn
    assert page.evaluate("window.scrollY") == 1500


def test_an_error_shows_with_its_caret_beside_the_last_good_pages_and_a_fix_recovers(watch, page):
    live = watch(report_text(), files={"data.csv": rows_csv(5)})
    page.goto(live.url)
    wait_for_version(page, 1)
    page.evaluate("window.notReloaded = true")

    live.report.write_text(report_text(amount="amont"), encoding="utf-8")
    page.wait_for_selector("#error", state="visible")
    message = page.inner_text("#error-text")
    assert message.splitlines() == [
        "live.report:7:30: error: unknown name 'amont' (did you mean 'amount'?)",
        "   7 |     column amount \"Amount\" = amont",
        "     |                              ^^^^^",
    ]
    assert "last good build" in page.inner_text("#error-head")
    assert pages_version(page) == 1  # the last good pages stay
    assert loaded_images(page)[0][1] > 500
    assert page.get_attribute("body", "data-state") == "error"

    live.report.write_text(report_text(title="Fixed"), encoding="utf-8")
    wait_for_version(page, 3)  # build 2 failed; build 3's pages are shown
    page.wait_for_selector("#error", state="hidden")
    assert page.inner_text("#error-text") == ""
    assert page.get_attribute("body", "data-state") == "ok"
    assert page.evaluate("window.notReloaded") is True


def test_error_text_is_never_markup(watch, page):
    """A message quotes the report: an element in it must show as text, not become one."""
    live = watch(report_text(), files={"data.csv": rows_csv(3)})
    page.goto(live.url)
    wait_for_version(page, 1)
    live.report.write_text(report_text(amount='amount + "<img src=x onerror=alert(1)>"'), encoding="utf-8")
    page.wait_for_selector("#error", state="visible")
    assert "<img src=x onerror=alert(1)>" in page.inner_text("#error-text")
    assert page.eval_on_selector_all("#error img", "images => images.length") == 0
