"""The stylesheet and the one small script of the html report, inlined into the page.

The CSS uses no url(), @import or web fonts (system font stack only), so the page needs
nothing but itself. The script only filters the findings table; the page is complete
without it.
"""

from __future__ import annotations

CSS = """
:root {
  color-scheme: light dark;
  --bg: #f5f6f8; --panel: #ffffff; --ink: #1c2230; --muted: #5d6778; --line: #e3e6ec;
  --head: #f0f2f6; --accent: #4f46e5; --accent-soft: #e0e7ff; --bar: #6366f1; --grid: #e8eaf0;
  --ok: #15803d; --ok-soft: #dcfce7; --warn: #b45309; --warn-soft: #fef3c7;
  --bad: #b91c1c; --bad-soft: #fee2e2; --info: #0369a1; --info-soft: #e0f2fe;
  --hero: linear-gradient(135deg, #1e1b4b 0%, #312e81 55%, #4338ca 100%);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1218; --panel: #171b23; --ink: #e6e9ef; --muted: #9aa4b5; --line: #2a303c;
    --head: #1d222c; --accent: #a5b4fc; --accent-soft: #272b4f; --bar: #818cf8; --grid: #252a35;
    --ok: #4ade80; --ok-soft: #14301f; --warn: #fbbf24; --warn-soft: #3a2a0c;
    --bad: #f87171; --bad-soft: #3b1616; --info: #7dd3fc; --info-soft: #0c2a3b;
  }
}
* { box-sizing: border-box; }
html { background: var(--bg); }
body {
  margin: 0; color: var(--ink); background: var(--bg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Liberation Sans", "DejaVu Sans", sans-serif;
}
.wrap { max-width: 1180px; margin: 0 auto; padding: 0 24px; }
.hero { background: var(--hero); color: #fff; padding: 28px 0 64px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; opacity: .75; }
.hero h1 { margin: 6px 0 4px; font-size: 28px; font-weight: 650; display: flex; gap: 14px;
  align-items: center; flex-wrap: wrap; }
.hero .lead { margin: 0; opacity: .85; }
.verdict { font-size: 13px; font-weight: 700; padding: 4px 12px; border-radius: 999px;
  letter-spacing: .02em; text-transform: uppercase; }
.verdict.ok { background: #bbf7d0; color: #14532d; }
.verdict.warn { background: #fde68a; color: #78350f; }
.verdict.bad { background: #fecaca; color: #7f1d1d; }
main.wrap { margin-top: -44px; padding-bottom: 40px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { flex: 1 1 0; min-width: max-content; white-space: nowrap; background: var(--panel);
  border: 1px solid var(--line); border-radius: 12px;
  padding: 12px 14px; box-shadow: 0 1px 3px rgba(16, 24, 40, .08); }
.card-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
.card-value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; line-height: 1.25; }
.card-sub { color: var(--muted); font-size: 12px; min-height: 18px; }
.card.bad .card-value { color: var(--bad); } .card.warn .card-value { color: var(--warn); }
.card.ok .card-value { color: var(--ok); }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px; margin: 18px 0 4px; }
nav.toc a { color: var(--accent); background: var(--panel); border: 1px solid var(--line);
  border-radius: 999px; padding: 3px 12px; text-decoration: none; font-size: 13px; }
nav.toc a:hover { background: var(--accent-soft); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 12px;
  padding: 18px 20px 20px; margin-top: 16px; box-shadow: 0 1px 2px rgba(16, 24, 40, .05); }
.panel > header { display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; margin-bottom: 10px; }
.panel h2 { margin: 0; font-size: 18px; font-weight: 650; }
.subtitle { color: var(--muted); }
.badge { font-size: 12px; font-weight: 600; padding: 2px 9px; border-radius: 999px;
  background: var(--head); color: var(--muted); }
.badge.ok { background: var(--ok-soft); color: var(--ok); }
.badge.warn { background: var(--warn-soft); color: var(--warn); }
.badge.bad { background: var(--bad-soft); color: var(--bad); }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.25fr); gap: 24px;
  align-items: start; }
@media (max-width: 860px) { .split { grid-template-columns: 1fr; } }
.stack > * + * { margin-top: 14px; }
.stack.below { margin-top: 16px; }
h3 { font-size: 13px; margin: 0 0 6px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .05em; }
dl.facts { margin: 0; display: grid; grid-template-columns: max-content 1fr; column-gap: 18px; row-gap: 4px; }
dl.facts > div { display: contents; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.tone-ok { color: var(--ok); } .tone-warn { color: var(--warn); font-weight: 600; }
.tone-bad { color: var(--bad); font-weight: 600; } .tone-muted { color: var(--muted); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
.table-wrap.fit { display: inline-block; min-width: min(100%, 420px); max-width: 100%; vertical-align: top; }
table.data { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
table.data caption { text-align: left; font-weight: 600; padding: 8px 10px 6px; color: var(--muted);
  font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
table.data th, table.data td { padding: 6px 10px; border-top: 1px solid var(--line); text-align: left;
  vertical-align: top; overflow-wrap: break-word; }
table.data thead th { background: var(--head); font-size: 12px; color: var(--muted); font-weight: 600;
  border-top: 0; white-space: nowrap; position: sticky; top: 0; }
table.data .num { text-align: right; white-space: nowrap; }
table.data tbody tr:nth-child(even) td { background: rgba(127, 127, 127, .04); }
table.data tbody tr:hover td { background: var(--accent-soft); }
tr.row-muted td { color: var(--muted); } tr.row-muted td:last-child { color: var(--warn); }
tr.row-warn td:first-child { box-shadow: inset 3px 0 0 var(--warn); }
tr.row-warn td:last-child, tr.row-bad td:last-child { color: var(--warn); font-weight: 600; }
tr.row-bad td:first-child { box-shadow: inset 3px 0 0 var(--bad); }
.note { margin: 0; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
.note.tone-warn, .note.tone-bad { font-weight: 400; }
figure.chart-box { margin: 0; }
figure.chart-box figcaption { font-size: 12px; color: var(--muted); text-transform: uppercase;
  letter-spacing: .05em; font-weight: 600; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font: 11px system-ui, "Liberation Sans", "DejaVu Sans", sans-serif; fill: var(--muted); }
svg.chart .bar { fill: var(--bar); } svg.chart .bar:hover { fill: var(--accent); }
svg.chart .bar.warn { fill: #f59e0b; } svg.chart .bar.bad { fill: #ef4444; }
svg.chart .grid { stroke: var(--grid); stroke-width: 1; }
svg.chart .axis-line { stroke: var(--muted); stroke-width: 1; }
svg.chart .value { fill: var(--ink); font-weight: 600; }
svg.chart .label { fill: var(--ink); font-size: 12px; }
svg.chart .marker { stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.chart .marker-label { fill: var(--bad); font-weight: 600; }
svg.chart .axis-title { font-size: 11px; }
.alert { background: var(--bad-soft); color: var(--bad); border: 1px solid var(--bad); border-radius: 10px;
  padding: 10px 14px; margin-top: 16px; }
.alert ul { margin: 4px 0 0; padding-left: 20px; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 4px 0 12px; }
.filters[hidden] { display: none; }
.chip { display: inline-flex; gap: 6px; align-items: center; border: 1px solid var(--line);
  border-radius: 999px; padding: 3px 10px; cursor: pointer; user-select: none; font-size: 13px; }
.chip input { margin: 0; accent-color: var(--accent); }
.filters select, .filters input[type=search] { font: inherit; padding: 4px 8px; border-radius: 8px;
  border: 1px solid var(--line); background: var(--panel); color: var(--ink); }
.filters input[type=search] { min-width: 220px; flex: 1; }
#f-shown { color: var(--muted); font-size: 13px; margin-left: auto; }
.sev { display: inline-block; font-size: 12px; font-weight: 600; padding: 1px 8px; border-radius: 999px; }
.sev.error { background: var(--bad-soft); color: var(--bad); }
.sev.warning { background: var(--warn-soft); color: var(--warn); }
.sev.info { background: var(--info-soft); color: var(--info); }
tr.group th { background: var(--head); font-weight: 600; font-size: 13px; text-align: left; }
tr.group .count { color: var(--muted); font-weight: 400; }
code, .path { font: 12px ui-monospace, "SFMono-Regular", Menlo, "DejaVu Sans Mono", monospace; }
.path { color: var(--muted); display: block; }
.related { color: var(--muted); font-size: 12px; }
.rule-name { color: var(--muted); }
tr.more td { color: var(--muted); font-style: italic; }
.empty { color: var(--ok); font-weight: 600; margin: 0; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 28px; }
@media print {
  .hero { background: none; color: var(--ink); padding-bottom: 12px; }
  main.wrap { margin-top: 0; } .filters, nav.toc { display: none; }
  .panel { break-inside: avoid; box-shadow: none; }
}
"""

# Filters rows of #findings-table by severity (checkboxes), code (select) and free text;
# a file's group header hides when none of its rows is shown.
JS = """
(function () {
  var table = document.getElementById("findings-table");
  var bar = document.getElementById("filters");
  if (!table || !bar) { return; }
  bar.hidden = false;
  var boxes = bar.querySelectorAll("input[type=checkbox]");
  var code = document.getElementById("f-code");
  var text = document.getElementById("f-text");
  var shown = document.getElementById("f-shown");
  function apply() {
    var sev = {}, total = 0, visible = 0;
    boxes.forEach(function (b) { sev[b.value] = b.checked; });
    var wanted = code.value, needle = text.value.toLowerCase();
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var any = false;
      Array.prototype.forEach.call(body.querySelectorAll("tr[data-severity]"), function (row) {
        var ok = sev[row.dataset.severity] !== false &&
          (!wanted || row.dataset.code === wanted) &&
          (!needle || row.textContent.toLowerCase().indexOf(needle) !== -1);
        row.hidden = !ok; total += 1; if (ok) { visible += 1; any = true; }
      });
      body.hidden = !any;
    });
    shown.textContent = visible + " of " + total + " shown";
  }
  bar.addEventListener("input", apply);
  bar.addEventListener("change", apply);
  apply();
})();
"""
