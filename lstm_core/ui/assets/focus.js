// A dataframe draws its cells on a canvas, and as Tab or the arrows move through it, it hands the focus to a cell of
// the canvas's hidden copy, which is never drawn. Chromium does not restyle canvas:has(:focus-visible) when the
// focus moves inside a canvas, so the canvas that holds a keyboard focus is marked here, and focus.css rings it.
(function () {
  if (window.lstmLensCanvasFocus) return;
  window.lstmLensCanvasFocus = true;
  const MARK = "lens-focus-inside";

  function mark() {
    const active = document.activeElement;
    document.querySelectorAll(`canvas.${MARK}`).forEach((canvas) => {
      if (!canvas.contains(active)) canvas.classList.remove(MARK);
    });
    const canvas = active && active.closest && active.closest("canvas");
    if (canvas && active !== canvas && active.matches(":focus-visible")) canvas.classList.add(MARK);
  }

  document.addEventListener("focusin", mark, true);
  document.addEventListener("focusout", () => setTimeout(mark, 0), true);
})();
