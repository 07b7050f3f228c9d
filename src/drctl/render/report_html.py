"""``drctl report``: a self-contained HTML page of measured RTO/RPO over time.

One file, no network: the data is embedded as JSON and a small inline script
draws an SVG chart per objective (measured values per drill, the objective as a
line). A table of the same runs sits below the charts, so the page is useful
even where scripts are blocked.
"""

from __future__ import annotations

import html
import json
from typing import Any

from drctl.engine.runs import RunRecord
from drctl.plan.durations import format_seconds, human_seconds

_SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById("drctl-data").textContent);
  const palette = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#dc2626", "#0891b2"];
  function draw(metric, objective, holder) {
    const points = data.runs.filter(r => r[metric] !== null);
    const el = document.getElementById(holder);
    if (!points.length) { el.textContent = "No measurements yet."; return; }
    const W = 760, H = 260, L = 60, R = 20, T = 20, B = 40;
    const times = points.map(p => Date.parse(p.started_at));
    const t0 = Math.min(...times), t1 = Math.max(...times);
    const ymax = Math.max(objective || 0, ...points.map(p => p[metric])) * 1.15 || 1;
    const x = t => L + (t1 === t0 ? (W - L - R) / 2 : (t - t0) / (t1 - t0) * (W - L - R));
    const y = v => H - B - v / ymax * (H - T - B);
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    svg.setAttribute("class", "chart");
    svg.setAttribute("data-metric", metric);
    const add = (tag, attrs, text) => {
      const e = document.createElementNS(ns, tag);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e); return e;
    };
    add("line", {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#999"});
    add("line", {x1: L, y1: T, x2: L, y2: H - B, stroke: "#999"});
    add("text", {x: 4, y: T + 10, "font-size": 11}, data.fmt(ymax));
    if (objective) {
      add("line", {x1: L, y1: y(objective), x2: W - R, y2: y(objective), stroke: "#dc2626",
                   "stroke-dasharray": "6 4", class: "objective"});
      add("text", {x: W - R - 150, y: y(objective) - 6, fill: "#dc2626", "font-size": 12},
          "objective " + data.fmt(objective));
    }
    const series = [...new Set(points.map(p => p.series))];
    series.forEach((name, i) => {
      const colour = palette[i % palette.length];
      const mine = points.filter(p => p.series === name)
        .sort((a, b) => Date.parse(a.started_at) - Date.parse(b.started_at));
      add("polyline", {fill: "none", stroke: colour, "stroke-width": 2,
        points: mine.map(p => `${x(Date.parse(p.started_at))},${y(p[metric])}`).join(" ")});
      mine.forEach(p => {
        const c = add("circle", {cx: x(Date.parse(p.started_at)), cy: y(p[metric]), r: 4,
          fill: objective && p[metric] > objective ? "#dc2626" : colour, class: "point",
          "data-run": p.run_id, "data-value": p[metric]});
        const title = document.createElementNS(ns, "title");
        title.textContent = `${name} ${p.started_at}: ${data.fmt(p[metric])}`;
        c.appendChild(title);
      });
      add("text", {x: L + 10 + i * 160, y: H - 8, fill: colour, "font-size": 12}, name);
    });
    el.appendChild(svg);
    el.setAttribute("data-rendered", String(points.length));
  }
  data.fmt = s => s >= 3600 ? (s / 3600).toFixed(1) + "h" : s >= 60 ? (s / 60).toFixed(1) + "m"
                 : s.toFixed(1) + "s";
  draw("rto_seconds", data.objective_rto_seconds, "rto-chart");
  draw("rpo_seconds", data.objective_rpo_seconds, "rpo-chart");
})();
"""

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #111; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
.chart { width: 100%; max-width: 800px; border: 1px solid #ddd; background: #fff; }
table { border-collapse: collapse; margin-top: 1rem; font-size: .9rem; }
td, th { border: 1px solid #ddd; padding: .3rem .6rem; text-align: left; }
.over { color: #dc2626; font-weight: bold; } .ok { color: #16a34a; }
"""


def _series(record: RunRecord) -> str:
    drill = record.meta.get("drill")
    return f"drill {drill}" if drill else record.action


def report_data(app: str, objectives: Any, records: list[RunRecord]) -> dict[str, Any]:
    runs = [
        {
            "run_id": r.run_id,
            "series": _series(r),
            "action": r.action,
            "status": r.status,
            "started_at": r.started_at,
            "rto_seconds": r.rto_seconds,
            "rpo_seconds": r.rpo_seconds,
        }
        for r in sorted(records, key=lambda r: r.started_at)
        if r.app == app and (r.rto_seconds is not None or r.rpo_seconds is not None)
    ]
    return {
        "app": app,
        "objective_rto_seconds": objectives.rto_seconds,
        "objective_rpo_seconds": objectives.rpo_seconds,
        "runs": runs,
    }


def _cell(value: float | None, objective: int) -> str:
    if value is None:
        return "<td>-</td>"
    css = "over" if value > objective else "ok"
    return f'<td class="{css}">{html.escape(human_seconds(value))}</td>'


def render_report(data: dict[str, Any], generated_at: str) -> str:
    rto, rpo = data["objective_rto_seconds"], data["objective_rpo_seconds"]
    rows = "\n".join(
        f"<tr><td>{html.escape(r['started_at'])}</td><td>{html.escape(r['series'])}</td>"
        f"<td>{html.escape(r['status'])}</td>{_cell(r['rto_seconds'], rto)}"
        f"{_cell(r['rpo_seconds'], rpo)}<td><code>{html.escape(r['run_id'])}</code></td></tr>"
        for r in data["runs"]
    )
    payload = json.dumps(data).replace("</", "<\\/")
    app = html.escape(data["app"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>drctl: measured RTO/RPO of {app}</title>
<style>{_STYLE}</style></head>
<body>
<h1>Disaster recovery of {app}: measured RTO and RPO</h1>
<p>Objectives: RTO {html.escape(format_seconds(rto))}, RPO {html.escape(format_seconds(rpo))}.
{len(data["runs"])} measured runs. Generated {html.escape(generated_at)} by drctl.</p>
<h2>Recovery time (RTO) per run</h2><div id="rto-chart"></div>
<h2>Data loss window (RPO) per run</h2><div id="rpo-chart"></div>
<h2>Runs</h2>
<table><thead><tr><th>started</th><th>what</th><th>status</th><th>RTO</th><th>RPO</th>
<th>run</th></tr></thead><tbody>
{rows}
</tbody></table>
<script type="application/json" id="drctl-data">{payload}</script>
<script>{_SCRIPT}</script>
</body></html>
"""
