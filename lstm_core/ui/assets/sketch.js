// Draw your forecast: the known values before the test part on axes of their own, and a shaded band of the
// next test points where a mouse, a finger or a pen draws (Pointer Events). The drawing stays in the browser;
// only "Done" sends its points to the server, as (test-point index, value in the series' units).
// A row of number boxes sets the same sketch from the keyboard.

const SVG = "http://www.w3.org/2000/svg";
const HEIGHT = 300;
const MARGIN = { left: 58, right: 14, top: 14, bottom: 46 };
const NARROW_PX = 560;
const MIN_MOVE_PX = 2; // a new point every 2 px of travel keeps a stroke to a few hundred points
const instances = new WeakMap(); // parentElement -> the drawing mounted there, kept across reruns

function svgElement(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function niceTicks(low, high, wanted) {
  const raw = (high - low) / Math.max(1, wanted);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + step * 1e-9; t += step) ticks.push(+t.toFixed(10));
  return ticks;
}

function format(value) {
  return Number.isInteger(value) ? String(value) : String(+value.toPrecision(3));
}

// The sketch as a line: its points sorted by x, read at x by straight lines between them (as the server reads it).
function lineAt(points, x) {
  if (!points.length || x < points[0][0] || x > points[points.length - 1][0]) return null;
  for (let k = 1; k < points.length; k++) {
    const [x0, y0] = points[k - 1];
    const [x1, y1] = points[k];
    if (x <= x1) return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return points[points.length - 1][1];
}

function build(parentElement, key) {
  const root = document.createElement("div");
  root.className = "sketch";
  root.dataset.testid = "sketch-forecast";
  root.innerHTML = `
    <p class="sketch-label" id="${key}-label"></p>
    <div class="sketch-chart"></div>
    <fieldset class="sketch-typed">
      <legend>Or type values at a few steps (the sketch then runs straight between them)</legend>
      <div class="sketch-inputs"></div>
    </fieldset>
    <div class="sketch-buttons">
      <button type="button" class="sketch-done" disabled>Done: show the forecast</button>
      <button type="button" class="sketch-clear" disabled>Clear</button>
    </div>
    <p class="sketch-status" role="status" aria-live="polite"></p>`;
  parentElement.appendChild(root);
  return root;
}

function mount(parentElement, key) {
  const root = build(parentElement, key);
  const state = { data: null, dataKey: "", points: [], stroke: null, sent: false, width: 0, setStateValue: null };
  const chart = root.querySelector(".sketch-chart");
  const inputs = root.querySelector(".sketch-inputs");
  const done = root.querySelector(".sketch-done");
  const clear = root.querySelector(".sketch-clear");
  const status = root.querySelector(".sketch-status");
  let svg = null;
  let plot = null; // the plot area in pixels and its axes' ranges

  const toPixel = (x, y) => [
    plot.left + ((x - plot.x0) / (plot.x1 - plot.x0)) * plot.width,
    plot.top + ((plot.y1 - y) / (plot.y1 - plot.y0)) * plot.height,
  ];
  const fromPixel = (px, py) => {
    const n = state.data.points;
    const x = plot.x0 + ((px - plot.left) / plot.width) * (plot.x1 - plot.x0);
    const y = plot.y1 - ((py - plot.top) / plot.height) * (plot.y1 - plot.y0);
    return [Math.min(n - 1, Math.max(0, x)), Math.min(plot.y1, Math.max(plot.y0, y))];
  };

  function shownPoints() {
    return state.stroke ? merge(state.points, state.stroke) : state.points;
  }

  function merge(points, stroke) {
    // A new stroke replaces what was drawn under its span and keeps the rest: redraw a part, keep the others.
    const xs = stroke.map((p) => p[0]);
    const low = Math.min(...xs);
    const high = Math.max(...xs);
    const kept = points.filter(([x]) => x < low || x > high);
    return [...kept, ...stroke].sort((a, b) => a[0] - b[0]);
  }

  function drawChart() {
    const data = state.data;
    const width = Math.max(280, Math.floor(chart.clientWidth || 600));
    state.width = width;
    // On a narrow screen fewer known values leave the band wide enough to draw in with a finger.
    const history = width < NARROW_PX ? data.history.slice(-data.points) : data.history;
    plot = {
      left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right,
      height: HEIGHT - MARGIN.top - MARGIN.bottom, x0: -history.length, x1: data.points - 1,
      y0: data.y_range[0], y1: data.y_range[1],
    };
    svg = svgElement("svg", { width, height: HEIGHT, viewBox: `0 0 ${width} ${HEIGHT}`, role: "img",
                              "aria-labelledby": `${key}-label ${key}-desc` });
    const desc = svgElement("desc", { id: `${key}-desc` });
    desc.textContent = data.description;
    svg.appendChild(desc);
    const [bandLeft] = toPixel(-0.5, 0);
    const [bandRight] = toPixel(data.points - 1, 0);
    svg.appendChild(svgElement("rect", { class: "sketch-band", x: bandLeft, y: plot.top, width: bandRight - bandLeft,
                                          height: plot.height, fill: data.colors.band }));
    for (const t of niceTicks(plot.y0, plot.y1, 5)) {
      const [, py] = toPixel(0, t);
      svg.appendChild(svgElement("line", { x1: plot.left, x2: plot.left + plot.width, y1: py, y2: py,
                                            stroke: data.colors.grid }));
      const label = svgElement("text", { x: plot.left - 6, y: py + 4, "text-anchor": "end", fill: data.colors.text });
      label.textContent = format(t);
      svg.appendChild(label);
    }
    for (const t of niceTicks(plot.x0, plot.x1, Math.max(3, Math.floor(plot.width / 90)))) {
      const [px] = toPixel(t, 0);
      const label = svgElement("text", { x: px, y: plot.top + plot.height + 18, "text-anchor": "middle",
                                         fill: data.colors.text });
      label.textContent = format(t);
      svg.appendChild(label);
    }
    const xTitle = svgElement("text", { x: plot.left + plot.width / 2, y: HEIGHT - 6, "text-anchor": "middle",
                                        fill: data.colors.text });
    xTitle.textContent = data.x_title;
    svg.appendChild(xTitle);
    const yTitle = svgElement("text", { x: 0, y: 0, "text-anchor": "middle", fill: data.colors.text,
                                        transform: `translate(14 ${plot.top + plot.height / 2}) rotate(-90)` });
    yTitle.textContent = data.y_title;
    svg.appendChild(yTitle);
    const known = history.map((y, k) => toPixel(k - history.length, y).join(",")).join(" ");
    svg.appendChild(svgElement("polyline", { points: known, fill: "none", stroke: data.colors.series,
                                             "stroke-width": 1.5 }));
    const [startX] = toPixel(-0.5, 0);
    svg.appendChild(svgElement("line", { x1: startX, x2: startX, y1: plot.top, y2: plot.top + plot.height,
                                          stroke: data.colors.series, "stroke-dasharray": "4 3" }));
    const hint = svgElement("text", { x: bandLeft + 6, y: plot.top + 14, fill: data.colors.text,
                                      class: "sketch-hint" });
    hint.textContent = "draw here →";
    svg.appendChild(hint);
    const area = svgElement("rect", { class: "sketch-area", x: plot.left, y: plot.top, width: plot.width,
                                       height: plot.height, fill: "transparent",
                                       "data-x-range": `${plot.x0},${plot.x1}`,
                                       "data-y-range": `${plot.y0},${plot.y1}` });
    svg.appendChild(area);
    svg.appendChild(svgElement("polyline", { class: "sketch-line", fill: "none", stroke: data.colors.sketch,
                                             "stroke-width": 3, "stroke-linejoin": "round" }));
    svg.appendChild(svgElement("g", { class: "sketch-dots", fill: data.colors.sketch }));
    area.addEventListener("pointerdown", pointerDown);
    area.addEventListener("pointermove", pointerMove);
    area.addEventListener("pointerup", pointerUp);
    area.addEventListener("pointercancel", pointerUp);
    chart.replaceChildren(svg);
    drawSketch();
  }

  function drawSketch() {
    if (!svg) return;
    const points = shownPoints();
    svg.querySelector(".sketch-line").setAttribute("points", points.map(([x, y]) => toPixel(x, y).join(",")).join(" "));
    const dots = svg.querySelector(".sketch-dots");
    dots.replaceChildren(...(points.length === 1 ? points : []).map(([x, y]) => {
      const [cx, cy] = toPixel(x, y);
      return svgElement("circle", { cx, cy, r: 4 });
    }));
    root.dataset.points = JSON.stringify(state.points);
    done.disabled = state.sent || state.points.length === 0;
    clear.disabled = state.sent || state.points.length === 0;
    if (!state.stroke) fillInputs();
    status.textContent = state.sent ? "Sent: the forecast and your score follow." :
      state.points.length === 0 ? "Nothing drawn yet." :
      `Your sketch spans steps ${format(+state.points[0][0].toFixed(1))} to ` +
      `${format(+state.points[state.points.length - 1][0].toFixed(1))} of 0 to ${state.data.points - 1}. ` +
      "Draw again over any part to change it, then press Done.";
  }

  function pointerDown(event) {
    if (state.sent || event.button > 0) return;
    event.preventDefault();
    event.target.setPointerCapture(event.pointerId);
    state.stroke = [fromPixel(...local(event))];
    drawSketch();
  }

  function local(event) {
    const box = svg.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  }

  function pointerMove(event) {
    if (!state.stroke) return;
    const [px, py] = local(event);
    const last = state.stroke[state.stroke.length - 1];
    const [lastX, lastY] = toPixel(...last);
    if (Math.hypot(px - lastX, py - lastY) < MIN_MOVE_PX) return;
    const next = fromPixel(px, py);
    if (next[0] === last[0]) {
      // Up or down at one x (at the band's edge, say): the line follows the pointer, one value per x.
      state.stroke[state.stroke.length - 1] = next;
      drawSketch();
      return;
    }
    // Moving back over the stroke redraws it there: the points just passed over give way to the new one.
    const low = Math.min(last[0], next[0]);
    const high = Math.max(last[0], next[0]);
    state.stroke = state.stroke.filter((p, k) => k === state.stroke.length - 1 || p[0] <= low || p[0] >= high);
    state.stroke.push(next);
    drawSketch();
  }

  function pointerUp(event) {
    if (!state.stroke) return;
    if (event.type === "pointerup") pointerMove(event);
    state.points = merge(state.points, state.stroke);
    state.stroke = null;
    drawSketch();
  }

  function fillInputs() {
    for (const input of inputs.querySelectorAll("input")) {
      const value = lineAt(state.points, Number(input.dataset.step));
      input.value = value === null ? "" : String(+value.toPrecision(3));
    }
  }

  function typed() {
    const points = [];
    for (const input of inputs.querySelectorAll("input")) {
      const value = input.value.trim() === "" ? NaN : Number(input.value);
      if (Number.isFinite(value)) points.push([Number(input.dataset.step), value]);
    }
    state.points = points.sort((a, b) => a[0] - b[0]);
    drawSketch();
  }

  function drawInputs() {
    inputs.replaceChildren(...state.data.anchors.map((step) => {
      const label = document.createElement("label");
      label.textContent = `Step ${step}`;
      const input = document.createElement("input");
      Object.assign(input, { type: "number", step: "any", inputMode: "decimal" });
      input.dataset.step = String(step);
      input.addEventListener("change", typed);
      label.appendChild(input);
      return label;
    }));
  }

  done.addEventListener("click", () => {
    if (!state.points.length || state.sent) return;
    state.sent = true;
    drawSketch();
    state.setStateValue("sketch", { points: state.points });
  });
  clear.addEventListener("click", () => {
    state.points = [];
    drawSketch();
  });
  const observer = new ResizeObserver(() => {
    if (state.data && Math.max(280, Math.floor(chart.clientWidth || 600)) !== state.width) drawChart();
  });
  observer.observe(chart);

  return {
    show(data, setStateValue) {
      state.setStateValue = setStateValue;
      const dataKey = JSON.stringify(data);
      if (dataKey !== state.dataKey) {
        state.data = data;
        state.dataKey = dataKey;
        state.points = data.sketch || [];
        root.querySelector(".sketch-label").textContent = data.label;
        drawInputs();
        drawChart();
      }
      // Drawn again by the server: a sketch it has taken is never shown here, so drawing goes on.
      state.sent = false;
      drawSketch();
    },
    remove() {
      observer.disconnect();
      root.remove();
    },
  };
}

export default function ({ data, key, parentElement, setStateValue }) {
  let drawing = instances.get(parentElement);
  if (!drawing) {
    drawing = mount(parentElement, key);
    instances.set(parentElement, drawing);
  }
  drawing.show(data, setStateValue);
  // Streamlit calls this again on every rerun and may run an earlier call's cleanup late: only the latest removes.
  drawing.calls = (drawing.calls || 0) + 1;
  const call = drawing.calls;
  return () => {
    if (instances.get(parentElement) !== drawing || drawing.calls !== call) return;
    instances.delete(parentElement);
    drawing.remove();
  };
}
