"""axe-core in a Playwright page: the WCAG 2.1 A and AA rules, violations described in full.

axe is vendored (tests/e2e/vendor/axe-core, see its README), so no npm or CDN is needed. The
pages' Content-Security-Policy allows scripts from 'self' only, which would refuse an
injected script; pages checked by axe are opened in a context made by ``axe_context`` with
``bypass_csp=True`` (the policy itself is tested in test_security_headers.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_context(browser, **options):
    """A browser context in which axe can be injected despite the pages' CSP."""
    return browser.new_context(bypass_csp=True, **options)


def violations(page, tags: list[str] = WCAG_21_AA) -> list[dict[str, Any]]:
    """Run axe on ``page`` as it is now; each violation as {id, impact, help, nodes: [{target,
    summary}]}."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                               resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }""",
        tags,
    )
    return list(result)


def describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for v in found:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)


def assert_accessible(page, what: str = "") -> None:
    """Fail with every WCAG 2.1 A/AA violation axe finds on ``page`` (rule, impact, where)."""
    found = violations(page)
    assert not found, f"axe found on {what or page.url}:\n{describe(found)}"
