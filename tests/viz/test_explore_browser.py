"""The explorer's page in a real browser (the system Chromium, via Playwright).

Every step of small graphs is compared with the engine: the data of the
forward pass, the gradients as the backward pass adds them up (the trace's
shares, summed in the engine's order) and, at the end, ``backward()``'s own
results.  The page is opened from a file in a temporary directory, with every
request other than that file's routed to a failure.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from _explore_cases import CASES, expected_states, mlp_sample, neuron, square

from autograd_tiny.engine import topological_order
from autograd_tiny.viz import Explorer, explore

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or fails) with the reason
    expect = None

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "images" / "explore.png"
READ = """els => els.map(e => [Number(e.dataset.node), e.dataset.label, e.dataset.data,
                            e.dataset.grad, e.classList.contains('agt-current')])"""


def open_page(page: Any, path: Path, html: str) -> list[str]:
    """Write ``html`` to ``path``, open it, and return the list of requests the page made."""
    path.write_text(html, encoding="utf-8")
    url = path.as_uri()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.route("**/*", lambda r: r.continue_() if r.request.url == url else r.abort())
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    assert errors == []
    return requests


def open_explorer(page: Any, tmp_path: Path, explorer: Explorer) -> list[str]:
    explorer.save_html(tmp_path / "explore.html")
    return open_page(page, tmp_path / "explore.html", (tmp_path / "explore.html").read_text())


def read(page: Any, scope: str = ".agt-explore") -> list[list[Any]]:
    """``[node, label, data, grad, is current]`` of each value, in forward order."""
    return sorted(page.locator(scope).first.locator("[data-node]").evaluate_all(READ))


def shown(page: Any, scope: str = ".agt-explore") -> list[tuple[str, str]]:
    return [(data, grad) for _, _, data, grad, _ in read(page, scope)]


def button(page: Any, name: str, scope: str = ".agt-explore") -> Any:
    return page.locator(scope).get_by_role("button", name=name, exact=True)


def position(page: Any, scope: str = ".agt-explore") -> int:
    return int(page.locator(scope).first.get_attribute("data-position"))


def assert_matches_backward(page: Any, build: Any) -> None:
    """The last position shows what the engine computes: data, and backward()'s grads."""
    root = build()
    root.backward()
    order = topological_order(root, trainable_only=False)
    values = read(page)
    assert len(values) == len(order)
    for (i, label, data, grad, _), node in zip(values, order, strict=True):
        assert (label, float(data)) == (node.label, node.data), i
        if node.requires_grad:
            assert float(grad) == node.grad, (i, grad, node.grad)
        else:
            assert (grad, node.grad) == ("", 0.0), i


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_step_shows_the_engines_numbers(page, tmp_path, case):
    root = CASES[case]()
    explorer = explore(root)
    expected = expected_states(root, explorer.trace)
    open_explorer(page, tmp_path, explorer)
    steps = [None] + [s.node for s in explorer.trace.forward + explorer.trace.backward]
    for k, state in enumerate(expected):
        assert position(page) == k
        values = read(page)
        assert [(d, g) for _, _, d, g, _ in values] == state, f"position {k}"
        assert [i for i, *_, current in values if current] == ([] if k == 0 else [steps[k]])
        if k < len(expected) - 1:
            button(page, "Next step").click()
    assert button(page, "Next step").is_disabled()
    assert_matches_backward(page, CASES[case])


def test_previous_restores_exactly_the_earlier_state(page, tmp_path):
    open_explorer(page, tmp_path, explore(neuron()))
    seen = [read(page)]
    while not button(page, "Next step").is_disabled():
        button(page, "Next step").click()
        seen.append(read(page))
    for k in range(len(seen) - 2, -1, -1):
        button(page, "Previous step").click()
        assert read(page) == seen[k], f"position {k}"
    assert button(page, "Previous step").is_disabled()
    for k in (1, 2, 3, 4, 3, 4, 5, 6, 5, 4, 3, 2, 3):
        button(page, "Next step" if k > position(page) else "Previous step").click()
        assert (position(page), read(page)) == (k, seen[k])


def test_reset_goes_back_to_the_start(page, tmp_path):
    open_explorer(page, tmp_path, explore(neuron()))
    start = read(page)
    for _ in range(9):
        button(page, "Next step").click()
    assert read(page) != start
    button(page, "Reset").click()
    assert (position(page), read(page)) == (0, start)


def test_play_runs_to_the_end(page, tmp_path):
    open_explorer(page, tmp_path, explore(neuron(), play_interval=0.01))
    last = len(explore(neuron()).to_data()["steps"])
    button(page, "Play").click()
    expect(page.locator(".agt-explore")).to_have_attribute("data-position", str(last))
    expect(button(page, "Play")).to_have_count(1)  # back to Play at the end
    assert_matches_backward(page, neuron)


def test_play_turns_into_pause(page, tmp_path):
    open_explorer(page, tmp_path, explore(square(), play_interval=60.0))
    button(page, "Next step").click()
    button(page, "Play").click()
    assert button(page, "Pause").count() == 1 and button(page, "Play").count() == 0
    button(page, "Pause").click()
    assert button(page, "Play").count() == 1 and position(page) == 1


def test_the_arrow_keys_step(page, tmp_path):
    root = neuron()
    explorer = explore(root)
    expected = expected_states(root, explorer.trace)
    open_explorer(page, tmp_path, explorer)
    page.focus(".agt-explore")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    assert (position(page), shown(page)) == (4, expected[4])
    page.keyboard.press("ArrowLeft")
    assert (position(page), shown(page)) == (3, expected[3])


def test_the_page_requests_nothing_but_itself(browser, tmp_path):
    # The saved page's Content-Security-Policy would block a request before it shows
    # up here; bypassing it checks that the page attempts none in the first place.
    context = browser.new_context(bypass_csp=True)
    try:
        page = context.new_page()
        explorer = explore(neuron(), play_interval=0.01)
        requests = open_explorer(page, tmp_path, explorer)
        button(page, "Play").click()
        expect(page.locator(".agt-explore")).not_to_have_attribute("data-playing", "true")
        page.locator(".agt-explore").press("ArrowLeft")
        button(page, "Reset").click()
    finally:
        context.close()
    assert requests == [(tmp_path / "explore.html").as_uri()]


def test_a_collapsed_neuron_opens_on_click(page, tmp_path):
    root, model = mlp_sample()
    explorer = explore(root, module=model, max_nodes=12)
    expected = expected_states(root, explorer.trace)
    open_explorer(page, tmp_path, explorer)
    boxes = page.locator("[data-box]")
    assert boxes.count() == 4
    first = boxes.first
    inside = page.locator(".agt-expansion").first
    assert first.get_attribute("aria-expanded") == "false" and inside.is_hidden()
    first.click()
    assert first.get_attribute("aria-expanded") == "true" and inside.is_visible()
    assert inside.locator("[data-node]").count() == 6  # w0, w1, b, two fma nodes, tanh
    for k, state in enumerate(expected):
        assert shown(page) == state, f"position {k}"
        if k < len(expected) - 1:
            page.locator(".agt-explore").press("ArrowRight")
    first.click()
    assert inside.is_hidden()


def test_two_explorers_on_one_page_do_not_interfere(page, tmp_path):
    a, b = neuron(), square()
    first, second = explore(a), explore(b)
    html = f"<!DOCTYPE html><html><body>{first._repr_html_()}{second._repr_html_()}</body></html>"
    requests = open_page(page, tmp_path / "two.html", html)
    one, two = ".agt-explore >> nth=0", ".agt-explore >> nth=1"
    for _ in range(3):
        button(page, "Next step", one).click()
    page.locator(two).press("ArrowRight")
    assert (position(page, one), position(page, two)) == (3, 1)
    assert shown(page, one) == expected_states(a, first.trace)[3]
    assert shown(page, two) == expected_states(b, second.trace)[1]
    assert requests == [(tmp_path / "two.html").as_uri()]


def png_size(png: bytes) -> tuple[int, int]:
    """The width and height of a PNG file, after checking its signature and header chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR"), "a PNG starts with its IHDR chunk"
    (crc,) = struct.unpack(">I", png[29:33])
    assert zlib.crc32(png[12:29]) == crc, "the IHDR chunk is damaged"
    assert png[-8:-4] == b"IEND", "a PNG ends with IEND"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def screenshot_of_a_neuron(page: Any, tmp_path: Path) -> bytes:
    """The README's picture: micrograd's neuron, two steps into the backward pass."""
    explorer = explore(neuron())
    open_explorer(page, tmp_path, explorer)
    for _ in range(len(explorer.trace.forward) + 3):
        button(page, "Next step").click()
    return page.locator(".agt-explore").screenshot(animations="disabled", caret="hide")


def test_the_readmes_picture_is_this_browsers_screenshot(page, tmp_path):
    """Set AUTOGRAD_TINY_UPDATE_SCREENSHOTS=1 to write docs/images/explore.png anew."""
    fresh = screenshot_of_a_neuron(page, tmp_path)
    if os.environ.get("AUTOGRAD_TINY_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOT.write_bytes(fresh)
    assert SCREENSHOT.is_file(), "run with AUTOGRAD_TINY_UPDATE_SCREENSHOTS=1 to make it"
    assert png_size(SCREENSHOT.read_bytes()) == png_size(fresh)
