"""WCAG 2.1 A/AA checks of a page in the browser: axe-core, plus the contrast of the text Plotly draws in SVG.

axe-core leaves the contrast of SVG text undecided ("incomplete": it cannot tell what lies behind it),
so chart_text_contrast measures the text of every Plotly chart itself: the text's fill over the
shapes drawn before it under its centre, over the page's background.
"""

from __future__ import annotations

from dataclasses import dataclass

from axe_playwright_python.sync_playwright import Axe

from bench.page_waits import wait_for_charts

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("critical", "serious")

_AXE = Axe()


@dataclass(frozen=True)
class Finding:
    """One failing node: the rule, its impact, where it is and why it fails."""

    rule: str
    impact: str
    target: str
    summary: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}) at {self.target}: {self.summary}"


def axe_findings(page) -> list[Finding]:
    """Return every node axe-core finds in violation of a WCAG 2.1 A or AA rule on the page."""
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    response = _AXE.run(page, options=options).response
    findings = []
    for violation in response["violations"]:
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            findings.append(Finding(violation["id"], node.get("impact") or violation["impact"] or "",
                                    " ".join(map(str, node["target"])), summary))
    return findings


# For every run of text in a Plotly chart: its colour with its opacity, laid over the shapes painted
# before it whose boxes hold the text's centre, over the first opaque background behind the chart.
CHART_TEXT_JS = r"""() => {
  const parse = css => {
    const m = /rgba?\(([^)]*)\)/.exec(css || "");
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const channel = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = c => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const over = (top, alpha, below) => [0, 1, 2].map(i => top[i] * alpha + below[i] * (1 - alpha));
  const opacity = (el, stop) => {
    let o = 1;
    for (let e = el; e && e !== stop; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity || "1");
    return o;
  };
  const hex = c => "#" + c.map(v => Math.round(v).toString(16).padStart(2, "0")).join("");
  // The part of an element's box left visible by the clip paths on it and its ancestors (Plotly clips
  // shapes and traces to the plot area; their boxes alone reach under the axis labels).
  const visibleBox = (el, stop) => {
    const b = el.getBoundingClientRect();
    let [left, top, right, bottom] = [b.left, b.top, b.right, b.bottom];
    for (let e = el; e && e !== stop; e = e.parentElement) {
      const ref = /url\(["']?#([^"')]+)/.exec((e.getAttribute && e.getAttribute("clip-path")) || "");
      const rect = ref && document.getElementById(ref[1]) && document.getElementById(ref[1]).querySelector("rect");
      const matrix = rect && e.getScreenCTM && e.getScreenCTM();
      if (!matrix) continue;
      const [x, y] = [rect.x.baseVal.value, rect.y.baseVal.value];
      const p = new DOMPoint(x, y).matrixTransform(matrix);
      const q = new DOMPoint(x + rect.width.baseVal.value, y + rect.height.baseVal.value).matrixTransform(matrix);
      left = Math.max(left, Math.min(p.x, q.x)); right = Math.min(right, Math.max(p.x, q.x));
      top = Math.max(top, Math.min(p.y, q.y)); bottom = Math.min(bottom, Math.max(p.y, q.y));
    }
    return {left, top, right, bottom, width: right - left, height: bottom - top};
  };
  const results = [];
  document.querySelectorAll(".js-plotly-plot").forEach((chart, chartIndex) => {
    let background = [255, 255, 255];
    for (let e = chart; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) { background = c.slice(0, 3); break; }
    }
    const marks = ["rect", "path", "circle", "image"].map(tag => "svg.main-svg " + tag).join();
    const painted = [...chart.querySelectorAll(marks)]
      .filter(el => !el.closest("defs, clipPath, mask, .hoverlayer"));
    const runs = [...chart.querySelectorAll("svg.main-svg text, svg.main-svg tspan")].filter(el =>
      [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim()));
    for (const run of runs) {
      const style = getComputedStyle(run);
      if (style.display === "none" || style.visibility === "hidden") continue;
      const box = run.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) continue;
      const alpha = opacity(run, chart) * parseFloat(style.fillOpacity || "1");
      const fill = parse(style.fill);
      if (!fill || alpha * fill[3] === 0) continue;
      const x = box.left + box.width / 2, y = box.top + box.height / 2;
      let behind = background, unknown = false;
      for (const el of painted) {
        if (!(el.compareDocumentPosition(run) & Node.DOCUMENT_POSITION_FOLLOWING)) continue;
        const b = visibleBox(el, chart);
        if (b.width < 2 || b.height < 2 || x < b.left || x > b.right || y < b.top || y > b.bottom) continue;
        const s = getComputedStyle(el);
        if (s.display === "none" || s.visibility === "hidden") continue;
        if (el.tagName.toLowerCase() === "image") { unknown = true; continue; }
        const c = parse(s.fill);
        const a = c ? c[3] * parseFloat(s.fillOpacity || "1") * opacity(el, chart) : 0;
        if (a > 0) behind = over(c, a, behind);
      }
      const colour = over(fill, alpha * fill[3], behind);
      const [hi, lo] = [luminance(colour), luminance(behind)].sort((p, q) => q - p);
      const size = parseFloat(style.fontSize);
      const bold = parseInt(style.fontWeight, 10) >= 700 || style.fontWeight === "bold";
      results.push({chart: chartIndex, text: run.textContent.trim().slice(0, 60), ratio: (hi + 0.05) / (lo + 0.05),
                    needed: size >= 24 || (bold && size >= 18.66) ? 3 : 4.5, colour: hex(colour),
                    background: hex(behind), size, unknown});
    }
  });
  return results;
}"""


def chart_text_contrast(page) -> list[dict]:
    """Return, for every run of text in the page's Plotly charts, its contrast ratio and the ratio it needs."""
    return page.evaluate(CHART_TEXT_JS)


def chart_text_findings(page) -> list[Finding]:
    """Return a serious finding for every chart text whose contrast is below WCAG AA (1.4.3)."""
    return [Finding("chart-text-contrast", "serious", f"chart {run['chart']}: {run['text']!r}",
                    f"{run['ratio']:.2f}:1 ({run['colour']} on {run['background']}, {run['size']:.0f}px), "
                    f"needs {run['needed']}:1")
            for run in chart_text_contrast(page) if not run["unknown"] and run["ratio"] < run["needed"]]


def blocking_findings(page) -> list[Finding]:
    """Return the critical and serious WCAG 2.1 A/AA failures on the page, charts' text included."""
    wait_for_charts(page)
    return [f for f in axe_findings(page) if f.impact in BLOCKING_IMPACTS] + chart_text_findings(page)
