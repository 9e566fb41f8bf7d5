// The server never learns how wide the browser is, so a figure whose panels must stack on a narrow screen carries
// every arrangement in layout.meta.arrangements (each a Plotly.relayout update and Plotly.restyle updates by trace)
// and the plot width each needs in meta.min_widths. This draws the widest that fits: when the figure first draws,
// after every redraw the server sends (which brings the wide one back) and whenever it is resized.
(function () {
  if (window.lstmLensFigureWidths) return;
  window.lstmLensFigureWidths = true;

  function fitting(plot) {
    const meta = (plot.layout || {}).meta || {};
    if (!meta.arrangements || !meta.min_widths || !plot.clientWidth) return null;
    const fits = Object.entries(meta.min_widths).filter(([name, width]) => plot.clientWidth >= width
                                                                           && meta.arrangements[name]);
    if (!fits.length) return null;
    const name = fits.reduce((best, next) => (next[1] > best[1] ? next : best))[0];
    return {name: name, arrangement: meta.arrangements[name]};
  }

  // Streamlit sizes the chart's element (a fixed flex basis) from the height the server sent: the page below must
  // make room for the height drawn.
  function fitFrame(plot) {
    const height = `${plot.layout.height}px`;
    const element = plot.closest('[data-testid="stElementContainer"]');
    if (element) Object.assign(element.style, {flexBasis: height, height: height});
    for (const testid of ["stPlotlyChart", "stFullScreenFrame"]) {
      const frame = plot.closest(`[data-testid="${testid}"]`);
      if (frame) frame.style.height = height;
    }
  }

  function arrange(plot) {
    const choice = fitting(plot);
    if (!choice || !window.Plotly || plot.dataset.arranging) return;
    // The server draws the wide arrangement, and a redraw from it puts the wide one back: the height tells which
    // one is drawn. Drawing the one already there again would interrupt a step or a play just begun.
    if (plot.layout.height === choice.arrangement.layout.height) {
      plot.dataset.arrangement = choice.name;
      fitFrame(plot);
      return;
    }
    plot.dataset.arranging = "1";
    let drawn = window.Plotly.relayout(plot, choice.arrangement.layout);
    for (const change of choice.arrangement.traces || []) {
      drawn = drawn.then(() => window.Plotly.restyle(plot, change.update, change.indices));
    }
    drawn.catch(() => {}).finally(() => {
      fitFrame(plot);
      plot.dataset.arrangement = choice.name;
      delete plot.dataset.arranging;
      arrange(plot);  // the width may have changed while it drew
    });
  }

  function watch(plot) {
    if (plot.dataset.widthWatch || typeof plot.on !== "function") return;
    if (!(((plot.layout || {}).meta || {}).arrangements)) return;
    plot.dataset.widthWatch = "1";
    plot.on("plotly_afterplot", () => arrange(plot));
    new ResizeObserver(() => arrange(plot)).observe(plot);
    arrange(plot);
  }

  function watchAll() {
    document.querySelectorAll(".js-plotly-plot").forEach(watch);
  }

  new MutationObserver(watchAll).observe(document.body, {childList: true, subtree: true});
  watchAll();
})();
