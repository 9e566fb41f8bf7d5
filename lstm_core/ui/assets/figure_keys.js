// Plotly draws a figure's buttons and slider as SVG with no tabindex or role: Tab never reaches them and
// keys do nothing. This makes every animated figure's controls keyboard operable: each button is a focusable
// button (Enter or Space presses it), and the slider a focusable slider whose arrows, Home, End and Page keys
// move it as the mouse would, so the figure moves exactly as it does under the mouse, in the browser.
// A figure with step buttons plays without redrawing them (only its moving traces are drawn); its step
// buttons still step from the step shown. A figure may keep its frame in the page's address, and say each frame's
// words in a live region. Under prefers-reduced-motion nothing glides.
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

  // A figure with step buttons steps by pressing them (they also point the buttons at the new step's
  // neighbours); a figure with only a slider is clicked on the rail at the tick of the wanted step, as a mouse
  // would.
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
    return clickTick(slider, Math.max(0, Math.min(count - 1, moves[key])));
  }

  function clickTick(slider, target) {
    const ticks = slider.querySelectorAll(".slider-tick-rect");
    const rail = slider.querySelector(".slider-rail-touch-rect");
    if (!rail || target >= ticks.length) return false;
    const tick = ticks[target].getBoundingClientRect(), box = rail.getBoundingClientRect();
    const at = {bubbles: true, cancelable: true, view: window, clientX: tick.left + tick.width / 2,
                clientY: box.top + box.height / 2, button: 0};
    // Plotly ends a drag on a mouseup reaching the figure: one from the rail bubbles there and on to the page.
    rail.dispatchEvent(new MouseEvent("mousedown", at));
    rail.dispatchEvent(new MouseEvent("mouseup", at));
    return true;
  }

  // A play moves the figure without redrawing its step buttons, so afterwards they still name the neighbours
  // of the step where it began. A press on one whose frame is not the neighbour of the step shown is taken
  // as a step from the step shown: the slider is clicked there, and that redraw sets every button right.
  function stepFromWhatIsShown(plot) {
    if (plot.dataset.stepWatch) return;
    plot.dataset.stepWatch = "1";
    plot.addEventListener("click", (event) => {
      const button = event.target.closest && event.target.closest("g.updatemenu-button");
      const text = (button && button.textContent) || "";
      const offset = /Step ▶/.test(text) ? 1 : /Step back/.test(text) ? -1 : 0;
      const state = ((plot._fullLayout || {}).sliders || [])[0] || {};
      const steps = state.steps || [];
      if (!offset || !steps.length) return;
      const wanted = Math.max(0, Math.min(steps.length - 1, (state.active || 0) + offset));
      const frameOf = (item) => String((((item || {}).args || [])[0] || [])[0]);
      if (frameOf(button.__data__) === frameOf(steps[wanted])) return;  // the button is right: Plotly presses it
      event.stopPropagation();
      const slider = plot.querySelector("g.slider-container");
      if (slider) clickTick(slider, wanted);
    }, true);
  }

  // A figure whose layout names an address parameter (meta.address_param) keeps the frame it shows there, so a
  // reload or a copied address opens it at that frame.
  function keepFrameInAddress(plot) {
    if (plot.dataset.addressWatch || typeof plot.on !== "function") return;
    plot.dataset.addressWatch = "1";
    plot.on("plotly_animatingframe", (event) => {
      const param = (((plot.layout || {}).meta) || {}).address_param;
      if (!param || !event || event.name === undefined || event.name === null) return;
      const address = new URL(window.location.href);
      address.searchParams.set(param, String(event.name));
      window.history.replaceState(window.history.state, "", address);
    });
  }

  // A figure whose layout holds each frame's words (meta.step_words, the k-th for frame "k") says them in a polite
  // live region right after it as the frame changes, so a screen reader hears the step and the unit's numbers
  // while Play runs or a key steps, without leaving the controls.
  const VISUALLY_HIDDEN = "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;" +
    "clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap";

  function frameWords(plot, name) {
    const words = (((plot.layout || {}).meta) || {}).step_words;
    return Array.isArray(words) ? words[Number(name) - 1] : undefined;
  }

  function say(plot, name) {
    const text = frameWords(plot, name);
    const region = plot.lstmLensLiveRegion;
    if (text && region && region.textContent !== text) region.textContent = text;
  }

  function speakFrames(plot) {
    if (!Array.isArray((((plot.layout || {}).meta) || {}).step_words) || typeof plot.on !== "function") return;
    if (!plot.lstmLensLiveRegion || !plot.lstmLensLiveRegion.isConnected) {
      const region = document.createElement("div");
      region.className = "figure-live-region";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      region.setAttribute("aria-atomic", "true");
      region.style.cssText = VISUALLY_HIDDEN;
      plot.insertAdjacentElement("afterend", region);
      plot.lstmLensLiveRegion = region;
    }
    // A figure drawn anew by the server (another unit, layer or window) brings new words: say the step it shows.
    const words = plot.layout.meta.step_words, region = plot.lstmLensLiveRegion;
    if (!words.includes(region.textContent)) {
      const shown = (((plot._fullLayout || {}).sliders || [])[0] || {}).active || 0;
      region.textContent = frameWords(plot, shown + 1) || "";
    }
    if (plot.dataset.liveWatch) return;
    plot.dataset.liveWatch = "1";
    plot.on("plotly_animatingframe", (event) => event && say(plot, event.name));
    plot.on("plotly_sliderchange", (event) => {
      const frames = (((event || {}).step || {}).args || [])[0];
      if (Array.isArray(frames) && frames.length === 1) say(plot, frames[0]);
    });
  }

  // With prefers-reduced-motion, nothing glides: every animate call of the figure's buttons and slider, and the
  // slider's own handle, move with a transition of 0 ms. Play still plays, a frame after a frame.
  const reducedMotion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  function stillTransitions(plot) {
    if (!reducedMotion || !reducedMotion.matches) return;
    const still = (item) => {
      const options = item && item.method === "animate" && Array.isArray(item.args) && item.args[1];
      if (options && typeof options === "object") options.transition = {duration: 0};
    };
    for (const layout of [plot.layout || {}, plot._fullLayout || {}]) {
      (layout.updatemenus || []).forEach((menu) => (menu.buttons || []).forEach(still));
      (layout.sliders || []).forEach((slider) => {
        slider.transition = {duration: 0};
        (slider.steps || []).forEach(still);
      });
    }
    plot.querySelectorAll("g.updatemenu-button").forEach((button) => still(button.__data__));
  }

  // Plotly draws a figure's buttons anew when a step or the slider moves it, and a focused button that is drawn
  // anew takes the keyboard's focus with it. The new button of the same name takes the focus back, so Enter
  // pressed again steps again; a button the learner left (focus gone while it was still drawn) is let go.
  function keepFocus(plot, button) {
    const label = button.getAttribute("aria-label");
    const left = plot.lstmLensFocused;
    if (left && left !== button && !left.isConnected && left.getAttribute("aria-label") === label &&
        (!document.activeElement || document.activeElement === document.body)) {
      button.focus();
    }
    button.addEventListener("focus", () => { plot.lstmLensFocused = button; });
    button.addEventListener("blur", () => {
      if (button.isConnected && plot.lstmLensFocused === button) plot.lstmLensFocused = null;
    });
  }

  function decorate(plot) {
    stepFromWhatIsShown(plot);
    keepFrameInAddress(plot);
    speakFrames(plot);
    stillTransitions(plot);
    plot.querySelectorAll("g.updatemenu-button").forEach((button) => {
      if (button.dataset.keys) return;
      button.dataset.keys = "1";
      button.setAttribute("tabindex", "0");
      button.setAttribute("role", "button");
      button.setAttribute("aria-label", (button.textContent || "").trim());
      keepFocus(plot, button);
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
  if (reducedMotion && reducedMotion.addEventListener) reducedMotion.addEventListener("change", decorateAll);
  decorateAll();
})();
