// Points RequireJS and the ipywidgets html-manager at the pinned copies this book serves itself,
// so widgets render with no kernel and no request to any CDN. Loaded before embed-amd.js.
(function () {
  var root = document.documentElement.dataset.content_root
    || (document.querySelector('script[src$="widgets/widgets-config.js"]') || {}).src?.replace(/_static\/widgets\/widgets-config\.js.*$/, "")
    || "./";
  var base = new URL(root, document.baseURI).href;
  window.__jupyter_widgets_assets_path__ = base + "_static/widgets/";
  if (window.require && window.require.config) {
    window.require.config({ paths: { anywidget: base + "_static/widgets/anywidget/index" } });
  }
})();
