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
    // A menu that switches views (Plotly.update) may carry them in this arrangement's words: its chosen entry is
    // applied again, so the view shown stays the one chosen.
    if (choice.arrangement.layout["updatemenus[0].buttons[0].args"]) {
      drawn = drawn.then(() => {
        const menu = plot.layout.updatemenus[0];
        const chosen = menu.buttons[menu.active ?? 0];
        return chosen.method === "update" ? window.Plotly.update(plot, ...chosen.args) : null;
      });
    }
    drawn.catch(() => {}).finally(() => {
      fitFrame(plot);
      plot.dataset.arrangement = choice.name;
      delete plot.dataset.arranging;
      arrange(plot);  // the width may have changed while it drew
    });
  }

  // A title wider than its chart (a phone's) is broken into lines that fit, the figure and its top margin growing
  // by them so the plot keeps its height; on a wider screen it gets its one line back. A figure with arrangements
  // or frames writes its own lines: a relayout would interrupt a play.
  const TITLE_SIDE_PX = 16;
  const LINE_BREAK = "\u003cbr>";  // Plotly's; written so, for the page takes a literal one for a tag
  let measure = null;

  function textWidth(text, font) {
    measure = measure || document.createElement("canvas").getContext("2d");
    measure.font = font;
    return measure.measureText(text).width;
  }

  function titleLines(text, font, width) {
    const lines = [];
    for (const word of text.split(" ")) {
      const longer = lines.length ? `${lines[lines.length - 1]} ${word}` : word;
      if (lines.length && textWidth(longer, font) <= width) lines[lines.length - 1] = longer;
      else lines.push(word);
    }
    return lines;
  }

  function fitTitle(plot) {
    const layout = plot.layout || {};
    if ((layout.meta || {}).arrangements || (layout.sliders || []).length || plot.dataset.titling) return;
    const title = typeof layout.title === "string" ? {text: layout.title} : (layout.title || {});
    const shown = plot.querySelector("text.gtitle");
    if (!title.text || !shown || !plot.clientWidth) return;
    const touched = (plot.lensTitle || {}).touched;
    if (!title.text.includes(LINE_BREAK)) {  // one line: the figure as the server drew it, or given its line back
      plot.lensTitle = {text: title.text, top: (layout.margin || {}).t ?? 80, height: layout.height,
                        pad: (title.pad || {}).t || 0, wrapped: null, touched: touched};
    }
    const base = plot.lensTitle;
    if (!base || !base.height || (title.text.includes(LINE_BREAK) && title.text !== base.wrapped)) return;
    const style = getComputedStyle(shown);
    const size = parseFloat(style.fontSize) || 16;
    const lines = titleLines(base.text, `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`,
                             plot.clientWidth - 2 * TITLE_SIDE_PX);
    const text = lines.join(LINE_BREAK);
    if (text === title.text) {
      if (base.touched) fitFrame(plot);
      return;
    }
    // Plotly hangs a title of several lines from its first line: the pad takes the lines added back.
    const added = lines.length - 1;
    const grown = Math.round(added * size * 2.3);
    base.wrapped = added ? text : null;
    base.touched = true;
    plot.dataset.titling = "1";
    window.Plotly.relayout(plot, {"title.text": text, "margin.t": base.top + grown, "height": base.height + grown,
                                  "title.pad.t": base.pad + added * size})
      .catch(() => {}).finally(() => {
        fitFrame(plot);
        delete plot.dataset.titling;
        fitTitle(plot);  // the width may have changed while it drew: a resize seen meanwhile was passed over
      });
  }

  function watch(plot) {
    if (plot.dataset.widthWatch || typeof plot.on !== "function") return;
    plot.dataset.widthWatch = "1";
    const fit = () => {
      arrange(plot);
      if (window.Plotly) fitTitle(plot);
    };
    plot.on("plotly_afterplot", fit);
    new ResizeObserver(fit).observe(plot);
    fit();
  }

  function watchAll() {
    document.querySelectorAll(".js-plotly-plot").forEach(watch);
  }

  new MutationObserver(watchAll).observe(document.body, {childList: true, subtree: true});
  watchAll();
})();
