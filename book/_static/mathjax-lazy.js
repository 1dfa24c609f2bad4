// mathjax-lazy.js: loads MathJax (book/_static/mathjax) once the page's live explorers have
// shown their first result, so that its ~0.2 s of start-up does not delay the number a
// reader is waiting for; at once on pages without an explorer, and never later than 2 s.
(function () {
  var me = document.currentScript;
  var src = me.src.replace(/mathjax-lazy\.js(\?.*)?$/, "mathjax/tex-chtml.js");
  var loaded = false;
  function load() {
    if (loaded) return;
    loaded = true;
    var s = document.createElement("script");
    s.src = src;
    s.async = true;
    s.id = "MathJax-script";
    document.head.appendChild(s);
  }
  window.addEventListener("wb-first-result", load);
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector(".wb-live-root")) load();
    else setTimeout(load, 2000);
  });
})();
