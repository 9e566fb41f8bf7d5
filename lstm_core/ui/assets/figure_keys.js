// Plotly draws a figure's buttons and slider as SVG with no tabindex or role: Tab never reaches them and
// keys do nothing. This makes every animated figure's controls keyboard operable: each button is a focusable
// button (Enter or Space presses it), and the slider a focusable slider whose arrows, Home, End and Page keys
// move it as the mouse would, so the figure moves exactly as it does under the mouse, in the browser.
(function () {
  if (window.lstmLensFigureKeys) return;
  window.lstmLensFigureKeys = true;

  function press(target) {
    for (const type of ["mousedown", "mouseup", "click"]) {
      target.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true, view: window}));
    }
  }

  function buttonNamed(plot, pattern) {
    return Array.from(plot.querySelectorAll("g.updatemenu-button"))
      .find((button) => pattern.test(button.textContent || ""));
  }

  // A figure with step buttons steps by pressing them (they also move its title and step labels); a figure
  // with only a slider is clicked on the rail at the tick of the wanted step, as a mouse would.
  function slideBy(plot, slider, index, key) {
    const targets = {ArrowRight: /Step ▶/, ArrowUp: /Step ▶/, ArrowLeft: /Step back/, ArrowDown: /Step back/,
                     Home: /Step 1/};
    const button = targets[key] && buttonNamed(plot, targets[key]);
    if (button) {
      press(button);
      return true;
    }
    const state = ((plot._fullLayout || {}).sliders || [])[index] || {};
    const count = (state.steps || []).length, active = state.active || 0;
    const moves = {ArrowRight: active + 1, ArrowUp: active + 1, ArrowLeft: active - 1, ArrowDown: active - 1,
                   Home: 0, End: count - 1, PageUp: active + 10, PageDown: active - 10};
    if (!(key in moves) || !count) return false;
    const target = Math.max(0, Math.min(count - 1, moves[key]));
    const ticks = slider.querySelectorAll(".slider-tick-rect");
    const rail = slider.querySelector(".slider-rail-touch-rect");
    if (!rail || ticks.length !== count) return false;
    const tick = ticks[target].getBoundingClientRect(), box = rail.getBoundingClientRect();
    const at = {bubbles: true, cancelable: true, view: window, clientX: tick.left + tick.width / 2,
                clientY: box.top + box.height / 2, button: 0};
    rail.dispatchEvent(new MouseEvent("mousedown", at));
    window.dispatchEvent(new MouseEvent("mouseup", at));
    document.dispatchEvent(new MouseEvent("mouseup", at));
    return true;
  }

  function decorate(plot) {
    plot.querySelectorAll("g.updatemenu-button").forEach((button) => {
      if (button.dataset.keys) return;
      button.dataset.keys = "1";
      button.setAttribute("tabindex", "0");
      button.setAttribute("role", "button");
      button.setAttribute("aria-label", (button.textContent || "").trim());
      button.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          press(button);
        }
      });
    });
    plot.querySelectorAll("g.slider-container").forEach((slider, index) => {
      const label = (slider.querySelector(".slider-currentvalue") || {}).textContent || "";
      const state = ((plot._fullLayout || {}).sliders || [])[index] || {};
      slider.setAttribute("aria-valuetext", label.trim());
      slider.setAttribute("aria-valuemin", "1");
      slider.setAttribute("aria-valuemax", String((state.steps || []).length || 1));
      slider.setAttribute("aria-valuenow", String((state.active || 0) + 1));
      if (slider.dataset.keys) return;
      slider.dataset.keys = "1";
      slider.setAttribute("tabindex", "0");
      slider.setAttribute("role", "slider");
      slider.setAttribute("aria-label", "Step of the figure: arrows step, Home and End go to the ends");
      slider.addEventListener("keydown", (event) => {
        if (slideBy(plot, slider, index, event.key)) event.preventDefault();
      });
    });
  }

  function decorateAll() {
    document.querySelectorAll(".js-plotly-plot").forEach(decorate);
  }

  new MutationObserver(decorateAll).observe(document.body, {childList: true, subtree: true});
  decorateAll();
})();
