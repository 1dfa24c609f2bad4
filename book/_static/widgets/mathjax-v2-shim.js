// The ipywidgets HTML manager typesets widget labels with MathJax 2's API
// (MathJax.Hub.Queue); this book loads MathJax 3. Give MathJax 3 that one v2 entry point.
// widgets-lazy.js calls window.wbMathJaxV2Shim() once MathJax has loaded, before it loads
// the widget manager.
(function () {
  function install() {
    var mj = window.MathJax;
    if (mj && mj.typesetPromise && !mj.Hub) {
      mj.Hub = {
        Queue: function (job) {
          var el = job && job[2];
          mj.typesetPromise(el ? [el] : undefined).catch(function () {});
        }
      };
    }
    return !!(mj && mj.Hub);
  }
  window.wbMathJaxV2Shim = install;
  install();
})();
