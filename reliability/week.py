"""A week of work (#21): browser sessions moving across every page of the sidebar, each with a
random think time between actions, working each page's main control.

One session opens the Overview, then until its time is up: thinks (a random 5–15 s by default),
clicks a sidebar link to another page (a *navigate* action), thinks again, and changes the page's
main control (a *control* action): the first selectbox of the page's main area, or else the first
sidebar selectbox other than the language — an option other than the one shown. Both kinds are
timed the way :mod:`reliability.load` times a filter change, with the same websocket listener:
*server* from the click to the end of the run it caused, *page* to the page at rest again.

The Coverage map scenario (no think time) is :func:`reliability.load.coverage_session`'s loop;
this module adds only what a week of work needs on top of it.
"""

from __future__ import annotations

import asyncio
import random
import time

from reliability.load import OPEN_TIMEOUT_S, LoadReport, Session, _open_dropdown

NAV_LINKS = '[data-testid="stSidebarNav"] a'
MAIN_SELECTBOXES = '[data-testid="stMain"] [data-testid="stSelectbox"]'
SIDEBAR_SELECTBOXES = '[data-testid="stSidebar"] [data-testid="stSelectbox"]'


async def _timed(session: Session, click, kind: str) -> None:
    """Run ``click`` (a coroutine function) and time the rerun it causes (see the module)."""
    report = session.report
    ok_before, sent_before = session.finished_ok, session.reruns_sent
    started = time.monotonic()
    await click()
    server = await session.wait_rerun(ok_before, sent_before)
    if server is None:
        report.no_change += 1
        return
    if not await session.settled():
        report.error("app", f"{session.name}: the page did not come to rest after {kind}")
        return
    report.server_latencies.append(server)
    report.latencies.append(time.monotonic() - started)
    report.actions += 1
    report.kinds[kind] = report.kinds.get(kind, 0) + 1


async def navigate(session: Session, rng: random.Random) -> str:
    """Click a sidebar link to a page other than the current one; the page's link text."""
    page = session.page
    if not await session.idle():
        raise TimeoutError("the page did not come to rest before a navigation")
    links = page.locator(NAV_LINKS)
    texts = [t.strip() for t in await links.all_inner_texts()]
    current = await page.evaluate("() => location.pathname")
    hrefs = [await links.nth(i).get_attribute("href") or "" for i in range(len(texts))]
    others = [i for i, h in enumerate(hrefs) if not h.endswith(current)] or list(range(len(texts)))
    pick = rng.choice(others)
    session.doing = f"opening {texts[pick]!r}"
    await _timed(session, lambda: links.nth(pick).click(timeout=OPEN_TIMEOUT_S * 1000), "navigate")
    return texts[pick]


async def work_control(session: Session, rng: random.Random, where: str) -> None:
    """Change the page's main control (see the module); nothing when the page has none."""
    page, report = session.page, session.report
    if not await session.idle():
        raise TimeoutError("the page did not come to rest before a control change")
    box = None
    if await page.locator(MAIN_SELECTBOXES).count():
        box = page.locator(MAIN_SELECTBOXES).first
    elif await page.locator(SIDEBAR_SELECTBOXES).count() > 1:  # the first is the language
        box = page.locator(SIDEBAR_SELECTBOXES).nth(1)
    if box is None:
        report.no_control += 1
        return
    shown = (await box.locator("input").first.get_attribute("value")) or ""
    texts = await _open_dropdown(session, box)
    if texts is None:
        report.error("driver", f"{session.name}: the main dropdown of {where!r} did not open")
        await page.keyboard.press("Escape")
        return
    choices = [i for i, t in enumerate(texts) if t != shown] or list(range(len(texts)))
    pick = rng.choice(choices)
    session.doing = f"{where}: → {texts[pick]}"
    option = page.locator('[role="option"]').nth(pick)
    await _timed(session, lambda: option.click(timeout=OPEN_TIMEOUT_S * 1000), "control")


async def week_session(
    browser,
    url: str,
    seed: int,
    report: LoadReport,
    seconds: float,
    think: tuple[float, float],
) -> None:
    """One session's week (see the module) for ``seconds``, thinking ``think`` s between actions."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    session = Session(page, f"session {seed}", report)
    rng = random.Random(seed)
    deadline = time.monotonic() + seconds
    try:
        # Sessions arrive spread over the first think time, not all in the same instant.
        await asyncio.sleep(rng.uniform(0, think[1]))
        await page.goto(f"{url}/overview")
        await page.wait_for_selector("#coverage-atlas", state="attached", timeout=300_000)
        await session.first_run()
        where = "Overview"
        step = 0
        while time.monotonic() + think[0] < deadline:
            await asyncio.sleep(rng.uniform(*think))
            if time.monotonic() >= deadline:
                break
            if step % 2 == 0:
                where = await navigate(session, rng)
            else:
                await work_control(session, rng, where)
            step += 1
    except Exception as exc:  # noqa: BLE001 — a session that fails is an error to report
        report.error("app", f"{session.name}, {session.doing}: {type(exc).__name__}: {exc}")
    finally:
        session.closing = True
        await context.close()
