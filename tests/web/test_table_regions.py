"""Tables that scroll sideways at 375 px are labelled, focusable regions (WCAG 2.1.1, axe's
scrollable-region-focusable): a keyboard user can reach and scroll every one of them."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
WRAP = re.compile(r'<div class="redress-table-wrap"[^>]*>')


def test_every_sideways_scrolling_table_is_a_labelled_focusable_region() -> None:
    found = 0
    for template in sorted(WEB.rglob("*.html")):
        for tag in WRAP.findall(template.read_text()):
            found += 1
            where = f"{template.relative_to(WEB)}: {tag}"
            assert 'tabindex="0"' in tag, where
            assert 'role="region"' in tag, where
            label = re.search(r'aria-label="([^"]*)"', tag)
            assert label is not None and label.group(1).strip(), where
    assert found >= 20  # the inbox, case pages, figures, batches, modeller, letters, account
