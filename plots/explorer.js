// Controller of the v2g-pareto explorer page: builds every view from the embedded JSON and
// links them. One state: the rows inside the parallel-coordinates brush and the selected
// row. Brushing (a plotly_restyle of the parcoords constraintrange, by mouse or by code)
// re-filters every view and the table; a plotly_click on any solution selects it.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("explorer-data").textContent);
  const S = D.rows.length;
  const COL = Object.fromEntries(D.columns.map((c, i) => [c, i]));
  const OBJ = D.objectives;
  const ALL = Array.from({ length: S }, (_, i) => i);
  const CFG = { displaylogo: false, responsive: true };
  const FONT = { family: "system-ui, sans-serif", size: 12 };
  const state = { rows: ALL, selected: null };
  const marksOf = {}; // row -> [mark]
  (D.marks || []).forEach((m) => (marksOf[m.row] = (marksOf[m.row] || []).concat([m])));
  (D.knees || []).forEach((r) => (marksOf[r] = (marksOf[r] || []).concat([
    { kind: "knee", label: "Knee", color: "#000000" }])));

  // --- formatting ------------------------------------------------------------------------
  function fmt(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) return "–";
    const d = digits === undefined ? (Math.abs(x) >= 100 ? 1 : 3) : digits;
    const s = Math.abs(x).toFixed(d).split(".");
    s[0] = s[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (x < 0 ? "−" : "") + s.join(".");
  }
  const digitsOf = (c) => (c === "satisfaction" ? 3 : 2);
  const value = (r, c) => D.rows[r][COL[c]];
  const column = (c, rows) => rows.map((r) => value(r, c));
  const unit = (c) => (D.units[c] ? " " + D.units[c] : "");
  function hoverText(r) {
    return `Solution ${value(r, "solution")}<br>` + OBJ.map((k) =>
      `${D.labels[k]}: ${fmt(value(r, k), 2)}`).join("<br>");
  }
  const HOVER = ALL.map(hoverText);
  const COST_RANGE = [Math.min(...column("cost", ALL)), Math.max(...column("cost", ALL))];
  const scale = { colorscale: "Viridis", cmin: COST_RANGE[0], cmax: COST_RANGE[1] };
  const outside = (rows) => { const inside = new Set(rows); return ALL.filter((r) => !inside.has(r)); };

  // --- 3-D front and projections -------------------------------------------------------
  // Every solution view has three traces first: brushed front, the rest (ghost), selection.
  const PAIRS = [[0, 1], [0, 2], [1, 2]];
  function frontTraces(rows, dims, kind, axes) {
    const xyz = (rs) => Object.fromEntries(dims.map((k, i) => ["xyz"[i], column(OBJ[k], rs)]));
    const common = kind === "scatter3d" ? {} : { xaxis: axes[0], yaxis: axes[1] };
    const size = kind === "scatter3d" ? 3.5 : 6;
    return [
      { type: kind, mode: "markers", name: "Front (brushed)", ...xyz(rows), ...common,
        customdata: rows, text: rows.map((r) => HOVER[r]), hoverinfo: "text",
        marker: { size, color: column("cost", rows), ...scale, showscale: kind === "scatter3d",
                  colorbar: { title: { text: D.labels.cost }, len: 0.6 } },
        showlegend: axes === null || axes[0] === "x" },
      { type: kind, mode: "markers", name: "Outside brush", ...xyz([]), ...common,
        customdata: [], hoverinfo: "skip", marker: { size: size * 0.7, color: "#c8c8c8",
        opacity: 0.35 }, showlegend: false },
      { type: kind, mode: "markers", name: "Selected", ...xyz([]), ...common, customdata: [],
        hoverinfo: "skip", marker: { size: size * 2.6, color: "#d62728", symbol: "circle-open",
        line: { color: "#d62728", width: 3 } }, showlegend: axes === null || axes[0] === "x" },
    ];
  }
  function markTraces(dims, kind, axes) {
    const out = [];
    const legend = axes === null || axes[0] === "x";
    const common = kind === "scatter3d" ? {} : { xaxis: axes[0], yaxis: axes[1] };
    const point = (f) => Object.fromEntries(dims.map((k, i) => ["xyz"[i], [f[k]]]));
    const sym = (m) => (kind === "scatter3d" ? m.symbol3d : m.symbol);
    if (D.reference) {
      const f = D.reference.objectives;
      out.push({ type: kind, mode: "markers", name: D.reference.label, ...common,
        ...Object.fromEntries(dims.map((k, i) => ["xyz"[i], f.map((p) => p[k])])),
        hoverinfo: "name+x+y" + (kind === "scatter3d" ? "+z" : ""), showlegend: legend,
        marker: { size: kind === "scatter3d" ? 2.5 : 5, color: D.reference.color,
                  symbol: sym(D.reference), opacity: 0.6 } });
    }
    (D.baselines || []).forEach((b) => out.push({ type: kind, mode: "markers", name: b.label,
      ...common, ...point(b.objectives), hoverinfo: "name", showlegend: legend,
      marker: { size: kind === "scatter3d" ? 7 : 11, color: b.color, symbol: sym(b),
                line: { color: "#000", width: 1 } } }));
    (D.marks || []).forEach((m) => out.push({ type: kind, mode: "markers", name: m.label,
      ...common, ...point(D.rows[m.row].slice(1, 1 + OBJ.length)), customdata: [m.row],
      text: [HOVER[m.row]], hoverinfo: "name+text", showlegend: legend,
      marker: { size: kind === "scatter3d" ? 8 : 14, color: m.color, symbol: sym(m),
                line: { color: "#000", width: 1 } } }));
    if ((D.knees || []).length) {
      out.push({ type: kind, mode: "markers", name: "Knee", ...common,
        ...Object.fromEntries(dims.map((k, i) => ["xyz"[i], column(OBJ[k], D.knees)])),
        customdata: D.knees, text: D.knees.map((r) => HOVER[r]), hoverinfo: "name+text",
        showlegend: legend, marker: { size: kind === "scatter3d" ? 6 : 11, color: "#000",
        symbol: "square-open", line: { color: "#000", width: 2 } } });
    }
    return out;
  }
  const axisTitle = (k) => ({ text: D.labels[OBJ[k]] });

  const gd3 = document.getElementById("front3d");
  Plotly.newPlot(gd3, [...frontTraces(ALL, [0, 1, 2], "scatter3d", null),
    ...markTraces([0, 1, 2], "scatter3d", null)], {
    font: FONT, margin: { l: 0, r: 0, t: 0, b: 0 }, uirevision: "keep",
    legend: { x: 0, y: 1, bgcolor: "rgba(255,255,255,0.8)" },
    scene: { xaxis: { title: axisTitle(0) }, yaxis: { title: axisTitle(1) },
             zaxis: { title: axisTitle(2) }, camera: { eye: { x: 1.6, y: -1.6, z: 0.9 } } },
  }, CFG);

  const gdp = document.getElementById("projections");
  const projTraces = [];
  const projFront = [];
  PAIRS.forEach((pair, i) => {
    const axes = [i ? `x${i + 1}` : "x", i ? `y${i + 1}` : "y"];
    projFront.push(projTraces.length);
    projTraces.push(...frontTraces(ALL, pair, "scatter", axes), ...markTraces(pair, "scatter", axes));
  });
  const projLayout = { font: FONT, margin: { l: 70, r: 10, t: 10, b: 50 }, uirevision: "keep",
    grid: { rows: 1, columns: 3, pattern: "independent", xgap: 0.12 }, hovermode: "closest",
    legend: { orientation: "h", y: -0.22 } };
  PAIRS.forEach((pair, i) => {
    const s = i ? String(i + 1) : "";
    projLayout[`xaxis${s}`] = { title: axisTitle(pair[0]), automargin: true };
    projLayout[`yaxis${s}`] = { title: axisTitle(pair[1]), automargin: true };
  });
  Plotly.newPlot(gdp, projTraces, projLayout, CFG);

  // --- parallel coordinates --------------------------------------------------------------
  const gdc = document.getElementById("parcoords");
  Plotly.newPlot(gdc, [{ type: "parcoords",
    line: { color: column("cost", ALL), ...scale, showscale: false },
    dimensions: D.parcoords.map((c) => ({ label: D.labels[c] + (OBJ.includes(c) ? "" : unit(c)
      .replace(/^ (.+)$/, " [$1]")), values: column(c, ALL) })),
  }], { font: FONT, margin: { l: 80, r: 110, t: 60, b: 20 } }, CFG);

  function inRanges(x, range) {
    if (!range || !range.length) return true;
    const ranges = Array.isArray(range[0]) ? range : [range];
    return ranges.some((rg) => x >= rg[0] && x <= rg[1]);
  }
  function brushedRows() {
    const dims = gdc.data[0].dimensions;
    return ALL.filter((r) => dims.every((dim, j) =>
      inRanges(value(r, D.parcoords[j]), dim.constraintrange)));
  }

  // --- weight map ------------------------------------------------------------------------
  const gdw = document.getElementById("weightmap");
  const W = D.weightmap;
  if (W) {
    const tern = (ws) => ({ a: ws.map((w) => w[0]), b: ws.map((w) => w[1]),
                            c: ws.map((w) => w[2]) });
    const traces = [{ type: "scatterternary", mode: "markers", name: "Weight vector → pick",
      ...tern(W.weights), customdata: W.rows,
      text: W.rows.map((r) => HOVER[r]), hoverinfo: "a+b+c+text",
      marker: { size: 5, color: column("cost", W.rows), ...scale, symbol: "square" } }];
    (W.points || []).forEach((p) => traces.push({ type: "scatterternary", mode: "markers",
      name: p.label, ...tern([p.weights]), customdata: [p.row], hoverinfo: "name+a+b+c",
      marker: { size: { mode: 18, expert: 9, flip: 12 }[p.kind], color: p.color,
                symbol: { mode: "star", expert: "circle", flip: "x" }[p.kind],
                line: { color: p.kind === "flip" ? "#fff" : "#000", width: 1 } } }));
    Plotly.newPlot(gdw, traces, { font: FONT, margin: { l: 70, r: 20, t: 40, b: 30 },
      showlegend: true, legend: { x: 0.7, y: 1, font: { size: 10 } },
      ternary: { domain: { x: [0, 0.64] }, aaxis: { title: { text: "w cost" } }, baxis: { title: { text: "w variance" } },
                 caxis: { title: { text: "w peak-valley" } } } }, CFG);
    document.getElementById("weightmap-note").textContent = W.note || "";
  } else {
    document.getElementById("weightmap-note").textContent =
      "No weight map: no selection file of this run carries a weight sensitivity " +
      "(v2g-pareto select RUN --mode economy writes one).";
    gdw.style.display = "none";
  }

  // --- out-of-sample spread (a `realise` evaluation of the run) ----------------------------
  // Per objective: the planned value (open circle) and the realised mean with its 10–90 %
  // band as whiskers, solutions ordered by planned cost; null (NaN, inf) is drawn as missing.
  const R = D.realised;
  const gdr = document.getElementById("realised");
  const realisedLabel = (k) => (k === "cost" ? D.labels.cost.replace(/^Cost/, "Cost + imbalance")
    : D.labels[k]);
  function realisedHover(r) {
    const lines = OBJ.map((k) => {
      const m = R.objectives[k];
      return `${realisedLabel(k)}: ${fmt(m.mean[r], 2)} (10–90 %: ${fmt(m.p10[r], 2)} … ` +
        `${fmt(m.p90[r], 2)}; CVaR ${fmt(m.cvar[r], 2)})`;
    });
    return [`Solution ${value(r, "solution")}: realised over ${R.n} days`, ...lines,
      `P(unmet > 0): ${fmt(R.p_unmet[r], 2)}`,
      `Mean unmet energy: ${fmt(R.unmet_kwh[r], 2)} kWh`].join("<br>");
  }
  if (R) {
    const order = ALL.slice().sort((a, b) => value(a, "cost") - value(b, "cost"));
    const xs = order.map((r) => value(r, "cost"));
    const gap = (a, b) => (a === null || b === null ? null : a - b);
    const traces = [];
    const layout = { font: FONT, margin: { l: 80, r: 10, t: 10, b: 50 }, hovermode: "closest",
      grid: { rows: OBJ.length, columns: 1, pattern: "independent", ygap: 0.12 },
      legend: { orientation: "h", y: -0.12 } };
    OBJ.forEach((k, i) => {
      const s = i ? String(i + 1) : "";
      const m = R.objectives[k];
      traces.push({ type: "scatter", mode: "markers", name: "Planned", x: xs,
        y: order.map((r) => value(r, k)), xaxis: `x${s}`, yaxis: `y${s}`, customdata: order,
        hoverinfo: "skip", showlegend: i === 0,
        marker: { size: 7, color: "#777", symbol: "circle-open" } });
      traces.push({ type: "scatter", mode: "markers", name: "Realised mean, 10–90 %", x: xs,
        y: order.map((r) => m.mean[r]), xaxis: `x${s}`, yaxis: `y${s}`, customdata: order,
        text: order.map(realisedHover), hoverinfo: "text", showlegend: i === 0,
        error_y: { type: "data", symmetric: false, thickness: 1, width: 2, color: "#0072b2",
                   array: order.map((r) => gap(m.p90[r], m.mean[r])),
                   arrayminus: order.map((r) => gap(m.mean[r], m.p10[r])) },
        marker: { size: 6, color: order.map((r) => value(r, "cost")), ...scale } });
      layout[`xaxis${s}`] = { title: i === OBJ.length - 1 ? { text: "Planned " +
        D.labels.cost } : undefined, automargin: true };
      layout[`yaxis${s}`] = { title: { text: realisedLabel(k), font: { size: 11 } },
        automargin: true };
    });
    Plotly.newPlot(gdr, traces, layout, CFG);
    document.getElementById("realised-note").textContent = R.note;
  } else {
    document.getElementById("realised-card").style.display = "none";
  }

  // --- table of brushed solutions ----------------------------------------------------------
  const TABLE_COLS = D.columns;
  const table = document.getElementById("brushed");
  function renderTable() {
    const head = "<thead><tr>" + TABLE_COLS.map((c) =>
      `<th title="${D.labels[c] || c}">${c}${D.units[c] ? " [" + D.units[c] + "]" : ""}</th>`)
      .join("") + "<th>marks</th></tr></thead>";
    const rows = state.rows.slice().sort((a, b) => value(a, "cost") - value(b, "cost"));
    const body = rows.map((r) => `<tr data-row="${r}"${r === state.selected ?
      ' class="selected"' : ""}>` + TABLE_COLS.map((c) => `<td>${c === "solution" ?
      value(r, c) : fmt(value(r, c), digitsOf(c))}</td>`).join("") + `<td>${(marksOf[r] || [])
      .map((m) => m.label).join(", ")}${D.stored[r] ? (marksOf[r] ? ", " : "") + "schedule" :
      ""}</td></tr>`).join("");
    table.innerHTML = head + "<tbody>" + body + "</tbody>";
    document.getElementById("table-count").textContent = `(${state.rows.length} of ${S})`;
  }
  table.addEventListener("click", (ev) => {
    const tr = ev.target.closest("tr[data-row]");
    if (tr) select(Number(tr.dataset.row));
  });
  function csvText() {
    const lines = [TABLE_COLS.join(",")];
    state.rows.slice().sort((a, b) => value(a, "cost") - value(b, "cost"))
      .forEach((r) => lines.push(TABLE_COLS.map((c) => (value(r, c) === null ? "" :
        String(value(r, c)))).join(",")));
    return lines.join("\n") + "\n";
  }
  document.getElementById("download-csv").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([csvText()], { type: "text/csv" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "brushed-solutions.csv";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });

  // --- filtering ---------------------------------------------------------------------------
  function restyleFront(gd, starts, dimsOf) {
    const rest = outside(state.rows);
    const upd = { customdata: [], text: [], "marker.color": [] };
    const keys = gd === gd3 ? ["x", "y", "z"] : ["x", "y"];
    keys.forEach((k) => (upd[k] = []));
    const idx = [];
    starts.forEach((t, i) => {
      const dims = dimsOf(i);
      [state.rows, rest].forEach((rows, j) => {
        idx.push(t + j);
        keys.forEach((k, d) => upd[k].push(column(OBJ[dims[d]], rows)));
        upd.customdata.push(j ? [] : rows);
        upd.text.push(j ? [] : rows.map((r) => HOVER[r]));
        upd["marker.color"].push(j ? "#c8c8c8" : column("cost", rows));
      });
    });
    return Plotly.restyle(gd, upd, idx);
  }
  function applyBrush() {
    state.rows = brushedRows();
    restyleFront(gd3, [0], () => [0, 1, 2]);
    restyleFront(gdp, projFront, (i) => PAIRS[i]);
    if (W) {
      const inside = new Set(state.rows);
      Plotly.restyle(gdw, { "marker.opacity": [W.rows.map((r) => (inside.has(r) ? 1 : 0.12))] },
        [0]);
    }
    renderTable();
  }
  gdc.on("plotly_restyle", applyBrush);
  document.getElementById("clear-brush").addEventListener("click", () => {
    Plotly.restyle(gdc, Object.fromEntries(D.parcoords.map((_, j) =>
      [`dimensions[${j}].constraintrange`, null])));
  });

  // --- detail of one solution --------------------------------------------------------------
  const edges = Array.from({ length: D.time.slots + 1 }, (_, k) => k * D.time.dt_h);
  const steps = (v) => v.concat([v[v.length - 1]]);
  const timeAxis = { title: { text: "Time of day" }, tickvals: D.time.ticks.values,
    ticktext: D.time.ticks.labels, range: [0, edges[edges.length - 1]] };
  function priceBands() {
    const p = D.site.price_buy;
    const levels = Array.from(new Set(p)).sort((a, b) => a - b);
    if (levels.length > 6) return [];
    const shapes = [];
    let a = 0;
    for (let t = 1; t <= p.length; t++) {
      if (t === p.length || p[t] !== p[a]) {
        const k = levels.indexOf(p[a]);
        const g = Math.round(255 * (0.97 - (0.12 * k) / Math.max(levels.length - 1, 1)));
        shapes.push({ type: "rect", xref: "x", yref: "paper", x0: edges[a], x1: edges[t],
          y0: 0, y1: 1, fillcolor: `rgb(${g},${g},${g})`, line: { width: 0 }, layer: "below" });
        a = t;
      }
    }
    return shapes;
  }
  const BANDS = priceBands();
  const line = (name, y, color, dash, width, extra) => ({ type: "scatter", mode: "lines", name,
    x: edges, y: steps(y), line: { color, dash: dash || "solid", width: width || 1.5,
    shape: "hv" }, ...(extra || {}) });
  function drawNetLoad(r) {
    const L = D.looks;
    const traces = [
      line(L.pv.label, D.site.pv_kw, L.pv.color, "solid", 0.5, { fill: "tozeroy",
        fillcolor: "rgba(240,228,66,0.45)" }),
      line(L.base_load.label, D.site.base_load_kw, L.base_load.color, "dot", 1.5),
      line(L.net_base.label, D.site.net_base_kw, L.net_base.color, "solid", 1.2),
    ];
    (D.baselines || []).filter((b) => b.net_load_kw).forEach((b) =>
      traces.push(line(b.label, b.net_load_kw, b.color, "dash", 1.6)));
    traces.push(line(`Solution ${value(r, "solution")}`, D.net_load_kw[r], "#d62728", "solid",
      2.6));
    Plotly.react("netload", traces, { font: FONT, margin: { l: 60, r: 10, t: 10, b: 40 },
      shapes: BANDS, xaxis: timeAxis, yaxis: { title: { text: "Power at the grid [kW]" } },
      legend: { orientation: "h", y: -0.2 }, hovermode: "x unified" }, CFG);
  }
  function drawFleet(r) {
    const gd = document.getElementById("fleet");
    const agg = D.stored[r];
    const note = document.getElementById("fleet-note");
    if (!agg) {
      note.textContent = `The run did not store the per-vehicle schedule of solution ${value(r,
        "solution")} (large-fleet storage rule); solutions with a stored schedule are marked ` +
        "“schedule” in the table.";
      Plotly.purge(gd);
      gd.style.display = "none";
      return;
    }
    note.textContent = "Grid-side fleet power per slot (charging up, V2G down) and SOC of " +
      "the plugged vehicles (mean, 10–90 % band).";
    gd.style.display = "";
    const L = D.looks;
    const mid = edges.slice(0, -1).map((e) => e + D.time.dt_h / 2);
    const traces = [
      { type: "bar", name: L.ev_charge.label, x: mid, y: agg.charge_kw, width: D.time.dt_h,
        marker: { color: L.ev_charge.color }, xaxis: "x", yaxis: "y" },
      { type: "bar", name: L.ev_discharge.label, x: mid, y: agg.discharge_kw.map((v) => -v),
        width: D.time.dt_h, marker: { color: L.ev_discharge.color }, xaxis: "x", yaxis: "y" },
      { type: "scatter", mode: "lines", name: "10 % of plugged EVs", x: edges, y: agg.soc_p10_pct,
        line: { width: 0 }, showlegend: false, xaxis: "x", yaxis: "y2", hoverinfo: "skip" },
      { type: "scatter", mode: "lines", name: "10–90 % of plugged EVs", x: edges,
        y: agg.soc_p90_pct, fill: "tonexty", fillcolor: "rgba(0,114,178,0.2)",
        line: { width: 0 }, xaxis: "x", yaxis: "y2" },
      { type: "scatter", mode: "lines", name: "Mean EV SOC", x: edges, y: agg.soc_mean_pct,
        line: { color: L.ev_soc.color, width: 2.2 }, xaxis: "x", yaxis: "y2" },
    ];
    if (agg.bess_kw) {
      traces.push(line("BESS power", agg.bess_kw, L.bess_charge.color, "solid", 1.6,
        { xaxis: "x", yaxis: "y" }));
      traces.push({ type: "scatter", mode: "lines", name: L.bess_soc.label, x: edges,
        y: agg.bess_soc_pct, line: { color: L.bess_soc.color, width: 2 }, xaxis: "x",
        yaxis: "y2" });
    }
    Plotly.react(gd, traces, { font: FONT, margin: { l: 60, r: 10, t: 10, b: 40 },
      barmode: "relative", bargap: 0, grid: { rows: 2, columns: 1, roworder: "top to bottom" },
      xaxis: { ...timeAxis, anchor: "y2" }, yaxis: { title: { text: "Fleet power [kW]" },
      domain: [0.55, 1] }, yaxis2: { title: { text: "SOC [%]" }, range: [0, 100],
      domain: [0, 0.45] }, legend: { orientation: "h", y: -0.2 } }, CFG);
  }
  function detailHtml(r) {
    const tags = (marksOf[r] || []).map((m) =>
      `<span class="tag" style="background:${m.color}">${m.label}</span>`).join("");
    const kpi = D.columns.filter((c) => c !== "solution").map((c) =>
      `<tr><td>${D.labels[c] || c}</td><td class="v" data-col="${c}">${fmt(value(r, c),
        digitsOf(c))}</td><td>${OBJ.includes(c) ? "" : D.units[c] || ""}</td></tr>`).join("");
    let rates = "";
    const T = D.tradeoffs;
    if (T) {
      const ex = T.exact[r];
      const span = (rg) => (rg ? `${fmt(rg[0], 3)} … ${rg[1] === null ? "∞" : fmt(rg[1], 3)}`
        : "–");
      rates = "<h3>Trade-off rates</h3><table class=\"kpi\" id=\"detail-rates\"><tr><th>" +
        "rate</th><th>local</th>" + (ex ? "<th>exact</th><th>exact range</th>" : "") +
        "</tr>" + T.pairs.map((label, i) => `<tr><td>${label}</td><td>${fmt(T.local[r][i],
        3)}</td>` + (ex ? `<td>${fmt(ex.rates[i], 3)}</td><td>${span(ex.ranges[i])}</td>` :
        "") + "</tr>").join("") + `</table><p class="hint">${T.note}</p>`;
    }
    let oos = "";
    if (R) {
      const a = R.alpha;
      oos = `<h3>Out of sample (${R.n} days)</h3><table class="kpi" id="detail-realised">` +
        `<tr><th></th><th>mean</th><th>10–90 %</th><th>CVaR ${a}</th></tr>` +
        OBJ.map((k) => { const m = R.objectives[k]; return `<tr><td>${realisedLabel(k)}` +
          `</td><td>${fmt(m.mean[r], 2)}</td><td>${fmt(m.p10[r], 2)} … ${fmt(m.p90[r], 2)}` +
          `</td><td>${fmt(m.cvar[r], 2)}</td></tr>`; }).join("") +
        `<tr><td>P(unmet &gt; 0)</td><td class="v" data-col="p_unmet">${fmt(R.p_unmet[r], 2)}` +
        `</td><td></td><td></td></tr><tr><td>Mean unmet energy [kWh]</td><td class="v" ` +
        `data-col="unmet_kwh">${fmt(R.unmet_kwh[r], 2)}</td><td></td><td></td></tr></table>`;
    }
    return `<h3 id="detail-title">Solution ${value(r, "solution")}${tags}</h3>` +
      `<table class="kpi" id="detail-kpis">${kpi}</table>${oos}${rates}`;
  }
  function select(r) {
    if (r === null || r === undefined || r < 0 || r >= S) return;
    state.selected = r;
    document.getElementById("detail-empty").style.display = "none";
    document.getElementById("detail-body").innerHTML = detailHtml(r);
    const at = (k) => [value(r, OBJ[k])];
    Plotly.restyle(gd3, { x: [at(0)], y: [at(1)], z: [at(2)] }, [2]);
    Plotly.restyle(gdp, { x: PAIRS.map((p) => at(p[0])), y: PAIRS.map((p) => at(p[1])) },
      projFront.map((t) => t + 2));
    drawNetLoad(r);
    drawFleet(r);
    renderTable();
  }
  const onClick = (ev) => {
    const p = (ev.points || []).find((q) => q.customdata !== undefined && q.customdata !== null);
    if (p) select(Number(Array.isArray(p.customdata) ? p.customdata[0] : p.customdata));
  };
  [gd3, gdp, gdw, gdr].forEach((gd) => gd.on && gd.on("plotly_click", onClick));

  document.getElementById("front-note").textContent = (D.knees || []).length ?
    `${D.knees.length} knee(s) marked with open squares. ${D.knee_note}` : "No knees found.";
  const first = (D.marks || []).length ? D.marks[0].row : column("cost", ALL)
    .indexOf(COST_RANGE[0]);
  select(first);
  window.explorer = { state, select, applyBrush, csvText, data: D };
})();
