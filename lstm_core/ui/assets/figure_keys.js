// Plotly draws a figure's buttons and slider as SVG with no tabindex or role: Tab never reaches them and
// keys do nothing. This makes every animated figure's controls keyboard operable: each button is a focusable
// button (Enter or Space presses it), and the slider a focusable slider whose arrows, Home and End press
// the figure's own step buttons, so the figure moves exactly as it does under the mouse, in the browser.
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

  function slideBy(plot, key) {
    const targets = {ArrowRight: /Step ▶/, ArrowUp: /Step ▶/, ArrowLeft: /Step back/, ArrowDown: /Step back/,
                     Home: /Step 1/};
    const button = targets[key] && buttonNamed(plot, targets[key]);
    if (button) press(button);
    return Boolean(button);
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
      slider.setAttribute("aria-label", "Step of the figure: arrows step, Home goes to step 1");
      slider.addEventListener("keydown", (event) => {
        if (slideBy(plot, event.key)) event.preventDefault();
      });
    });
  }

  function decorateAll() {
    document.querySelectorAll(".js-plotly-plot").forEach(decorate);
  }

  new MutationObserver(decorateAll).observe(document.body, {childList: true, subtree: true});
  decorateAll();
})();
