// The Working Alliance: small page enhancements that need no kernel.
//
// Term previews: a {term} link shows the glossary's definition in place, so following a term no
// longer leaves the page (and a vignette played halfway). The definitions of the terms a page
// uses are in the page itself (<script id="alliance-term-definitions">, written by
// alliance/book/terms.py): no request is made. WCAG 2.2 1.4.13 (content on hover or focus): the
// preview appears on hover and on keyboard focus, can be dismissed with Escape without moving
// the pointer or focus, stays while the pointer is over the link or the preview itself, and
// stays until the reader moves away, dismisses it or moves focus. Each link is described by its
// preview (aria-describedby), so a screen reader hears the definition too.
(function () {
  "use strict";

  var GRACE_MS = 300; // time to move the pointer from the link onto the preview

  function initTerms() {
    var data = document.getElementById("alliance-term-definitions");
    if (!data) { return; }
    var definitions = JSON.parse(data.textContent);
    var tips = {};
    var shown = null; // {link, tip}
    var hideTimer = null;

    function tipFor(key) {
      if (tips[key]) { return tips[key]; }
      var entry = definitions[key];
      var tip = document.createElement("div");
      tip.className = "alliance-term-tip";
      tip.id = "alliance-tip-" + key;
      tip.setAttribute("role", "tooltip");
      tip.hidden = true;
      var term = document.createElement("span");
      term.className = "alliance-term-tip-term";
      term.textContent = entry.term;
      var text = document.createElement("span");
      text.textContent = entry.text;
      var hint = document.createElement("span");
      hint.className = "alliance-term-tip-hint";
      hint.textContent = "Select the term to open the glossary. Esc closes this.";
      tip.append(term, text, hint);
      tip.addEventListener("mouseenter", cancelHide);
      tip.addEventListener("mouseleave", scheduleHide);
      document.body.appendChild(tip);
      tips[key] = tip;
      return tip;
    }

    function place(link, tip) {
      var box = link.getBoundingClientRect();
      var width = tip.offsetWidth;
      var left = Math.max(8, Math.min(box.left, document.documentElement.clientWidth - width - 8));
      var below = box.bottom + 6;
      var top = below + tip.offsetHeight > window.innerHeight && box.top - tip.offsetHeight - 6 > 0
        ? box.top - tip.offsetHeight - 6
        : below;
      tip.style.left = left + window.scrollX + "px";
      tip.style.top = top + window.scrollY + "px";
    }

    function show(link, tip) {
      cancelHide();
      if (shown && shown.tip !== tip) { hide(); }
      tip.hidden = false;
      place(link, tip);
      shown = { link: link, tip: tip };
    }

    function hide() {
      cancelHide();
      if (shown) { shown.tip.hidden = true; }
      shown = null;
    }

    function cancelHide() {
      if (hideTimer) { clearTimeout(hideTimer); hideTimer = null; }
    }

    function scheduleHide() {
      cancelHide();
      hideTimer = setTimeout(function () {
        if (shown && shown.link === document.activeElement) { return; } // focus keeps it
        hide();
      }, GRACE_MS);
    }

    document.querySelectorAll('a[href*="#term-"]').forEach(function (link) {
      var key = decodeURIComponent(link.hash.slice(1));
      if (!definitions[key] || !link.querySelector(".std-term")) { return; }
      var tip = tipFor(key);
      link.classList.add("alliance-term-link");
      var described = link.getAttribute("aria-describedby");
      link.setAttribute("aria-describedby", described ? described + " " + tip.id : tip.id);
      link.addEventListener("mouseenter", function () { show(link, tip); });
      link.addEventListener("mouseleave", scheduleHide);
      link.addEventListener("focus", function () { show(link, tip); });
      link.addEventListener("blur", function () { if (shown && shown.link === link) { hide(); } });
    });

    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && shown) { hide(); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", initTerms);
  } else {
    initTerms();
  }
})();
