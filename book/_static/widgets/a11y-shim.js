// The ipywidgets HTML manager draws a slider as a div with role="slider" and its label as a
// sibling element that does not name it, and a figure in an Output widget as an <img>
// without alt text. Screen readers then announce "slider" and "image" and nothing else.
// This names each slider after its label and describes each widget image, as they render;
// and a widget that scrolls sideways (a wide progress bar on a phone) can take the focus,
// so that a keyboard can scroll it.
(function () {
  function label(el) {
    var box = el.closest(".widget-slider, .widget-hslider, .jupyter-widgets");
    var lab = box && box.querySelector(".widget-label");
    return lab ? lab.textContent.trim() : "";
  }
  function fix(root) {
    root.querySelectorAll("[role=slider]:not([aria-label])").forEach(function (s) {
      var name = label(s);
      if (name) s.setAttribute("aria-label", name);
    });
    root.querySelectorAll(".jupyter-widgets img:not([alt]), .jp-RenderedImage img:not([alt])")
      .forEach(function (img) {
        img.setAttribute("alt", "The figure of the ipywidgets explorer: the network's raster, " +
                                "population rate and membrane potentials for the values shown");
      });
  }
  // Only the outermost widget that overflows becomes a region (its children scroll with it),
  // each with a name of its own; a button or a field that overflows is focusable already.
  var regions = 0;
  function scrollers(root) {
    root.querySelectorAll(".jupyter-widgets").forEach(function (w) {
      if (w.matches("button, input, select, textarea, a") || w.hasAttribute("tabindex")) return;
      if (w.parentElement && w.parentElement.closest(".jupyter-widgets[role=region]")) return;
      if (w.scrollWidth > w.clientWidth + 1) {
        regions += 1;
        w.setAttribute("tabindex", "0");
        w.setAttribute("role", "region");
        w.setAttribute("aria-label", "widget " + regions + " (scrolls sideways)");
      }
    });
  }
  function start() {
    fix(document);
    scrollers(document);
    new MutationObserver(function () { fix(document); scrollers(document); })
      .observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", function () { scrollers(document); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
