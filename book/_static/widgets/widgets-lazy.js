// widgets-lazy.js: loads the ipywidgets HTML manager (require.js, then embed-amd.js, 4.4 MB,
// about half a second of the main thread) once the page's live explorers have shown their
// first result, so that it does not delay the number a reader is waiting for; at once on
// pages without an explorer, and never later than 2 s. embed-amd.js renders the widgets as
// soon as it runs when the page has already loaded.
(function () {
  var base = document.currentScript.src.replace(/widgets-lazy\.js(\?.*)?$/, "");
  var loaded = false;
  function script(src, attrs, then) {
    var s = document.createElement("script");
    s.src = base + src;
    Object.keys(attrs).forEach(function (k) { s.setAttribute(k, attrs[k]); });
    s.onload = then || null;
    document.head.appendChild(s);
  }
  // The manager typesets widget labels with MathJax (mathjax-lazy.js loads it on the same
  // signal): wait for it, at most 5 s, and give it the v2 entry point the manager calls.
  function afterMathJax(then, waited) {
    var mj = window.MathJax;
    if ((mj && mj.typesetPromise) || waited >= 5000) {
      if (window.wbMathJaxV2Shim) window.wbMathJaxV2Shim();
      then();
    } else {
      setTimeout(function () { afterMathJax(then, waited + 50); }, 50);
    }
  }
  function load() {
    if (loaded) return;
    loaded = true;
    afterMathJax(function () {
      script("require.js", {}, function () {
        script("embed-amd.js", { "data-jupyter-widgets-cdn": "widgets/",
                                 "data-jupyter-widgets-cdn-only": "" });
      });
    }, 0);
  }
  window.addEventListener("wb-first-result", load);
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector(".wb-live-root")) load();
    else setTimeout(load, 2000);
  });
})();
