// Progressive enhancement only: every page works without this file.
// Keyboard shortcuts, search as you type, and autocomplete from the index vocabulary.
(function () {
  "use strict";

  var box = document.getElementById("q");
  var results = document.getElementById("results");
  var datalist = document.getElementById("suggestions");

  function isTyping(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll(".result-link"));
  }

  function activate(link) {
    resultLinks().forEach(function (a) { a.closest(".result").classList.remove("is-active"); });
    link.focus();
    link.closest(".result").classList.add("is-active");
    link.scrollIntoView({ block: "nearest" });
  }

  function moveFocus(step) {
    var links = resultLinks();
    if (!links.length) { return false; }
    var i = links.indexOf(document.activeElement);
    if (i === -1) {
      // From elsewhere in a result (a paragraph link), continue from that result.
      var here = document.activeElement && document.activeElement.closest && document.activeElement.closest(".result");
      if (here) { i = links.indexOf(here.querySelector(".result-link")); }
    }
    if (i === 0 && step < 0 && box) {  // ↑ from the first result goes back to the box
      links[0].closest(".result").classList.remove("is-active");
      box.focus();
      return true;
    }
    var next = i === -1 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, i + step));
    activate(links[next]);
    return true;
  }

  document.documentElement.classList.add("js");

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "/" && !isTyping(document.activeElement) && box) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (e.key === "Escape" && document.activeElement === box) {
      box.blur();
    } else if (e.key === "ArrowDown" && document.activeElement === box) {
      // The footer promises ↓ into the results. Chromium's suggestion popup, when it is
      // open, takes the key before the page sees it, so suggestions keep ↓ while shown.
      if (moveFocus(1)) { e.preventDefault(); }
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && !isTyping(document.activeElement)) {
      if (moveFocus(e.key === "ArrowDown" ? 1 : -1)) { e.preventDefault(); }
    }
    // Enter on a focused result link opens it: the browser's own behaviour.
  });

  // --- Back returns to the result you opened --------------------------------
  // The opened link is kept in this history entry's state, so it survives both a
  // page restored from the back-forward cache and one the server renders again.
  document.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest(".result a[href]") : null;
    if (!link) { return; }
    var result = link.closest(".result");
    var nth = Array.prototype.indexOf.call(result.querySelectorAll("a[href]"), link);
    var state = Object.assign({}, history.state || {}, {
      opened: { id: result.getAttribute("data-id"), href: link.getAttribute("href"), nth: nth }
    });
    try { history.replaceState(state, ""); } catch (err) { /* state too large: skip */ }
  });

  window.addEventListener("pageshow", function () {
    var opened = history.state && history.state.opened;
    if (!opened) { return; }
    var result = Array.prototype.find.call(document.querySelectorAll(".result"), function (li) {
      return li.getAttribute("data-id") === opened.id;
    });
    if (!result) { return; }
    // The same link as before (title, paragraph number, "also in"), by place, then by address.
    var all = result.querySelectorAll("a[href]");
    var link = all[opened.nth] && all[opened.nth].getAttribute("href") === opened.href ? all[opened.nth]
      : Array.prototype.find.call(all, function (a) { return a.getAttribute("href") === opened.href; })
        || result.querySelector(".result-link");
    resultLinks().forEach(function (a) { a.closest(".result").classList.remove("is-active"); });
    result.classList.add("is-active");
    link.focus({ preventScroll: true });
    link.scrollIntoView({ block: "center" });
  });

  // --- facets: a ticked source applies at once -------------------------------
  // Without script the form's Apply button does the same with a GET.
  document.addEventListener("change", function (e) {
    var input = e.target;
    if (!input || !input.matches || !input.matches(".facet-form input[type=checkbox]")) { return; }
    try { sessionStorage.setItem("facetFocus", input.value); } catch (err) { /* private mode */ }
    if (input.form.requestSubmit) { input.form.requestSubmit(); } else { input.form.submit(); }
  });

  (function restoreFacetFocus() {
    var value = null;
    try { value = sessionStorage.getItem("facetFocus"); sessionStorage.removeItem("facetFocus"); } catch (err) { return; }
    if (value === null) { return; }
    var input = Array.prototype.find.call(document.querySelectorAll(".facet-form input[type=checkbox]"), function (c) {
      return c.value === value;
    });
    if (!input) { return; }
    var panel = input.closest(".facets-panel");
    if (panel) { panel.open = true; }  // on a phone, keep the panel open to tick another
    var more = input.closest(".facet-more");
    if (more) { more.open = true; }
    input.focus();
  })();

  // --- search as you type -------------------------------------------------
  function balanced(q) {
    var quotes = (q.match(/"/g) || []).length;
    var depth = 0;
    for (var i = 0; i < q.length; i++) {
      if (q[i] === "(") { depth++; } else if (q[i] === ")") { depth--; }
    }
    return quotes % 2 === 0 && depth === 0 && !/(\b(AND|OR|NOT)|[:\-])\s*$/.test(q);
  }

  function formParams(q) {
    var params = new URLSearchParams();
    params.set("q", q);
    var form = box.form;
    Array.prototype.forEach.call(form.querySelectorAll("input[type=hidden]"), function (h) {
      params.append(h.name, h.value);
    });
    return params;
  }

  var timer = null;
  var seq = 0;
  var controller = null;

  function runSearch() {
    var q = box.value.trim();
    if (q.length < 2 || !balanced(q)) { return; }
    var params = formParams(q);
    var mine = ++seq;
    if (controller) { controller.abort(); }
    controller = window.AbortController ? new AbortController() : null;
    var fragParams = new URLSearchParams(params);
    fragParams.set("fragment", "1");
    // live=1 lets the service read the last word as a prefix while it is being typed;
    // it stays out of the address bar, so shared links and history hold plain searches.
    fragParams.set("live", "1");
    fetch("/search?" + fragParams.toString(), { signal: controller ? controller.signal : undefined, headers: { "Accept": "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (mine !== seq) { return; }  // an older answer arriving late
        results.innerHTML = html;
        results.hidden = false;
        var intro = document.querySelector(".intro");
        if (intro) { intro.hidden = true; }
        history.replaceState(null, "", "/search?" + params.toString());
        document.title = q + " · Article Search";
      })
      .catch(function () { /* aborted or offline: the form still works */ });
  }

  // --- autocomplete -------------------------------------------------------
  var sugTimer = null;
  function suggest() {
    var q = box.value;
    if (!datalist || q.trim().length < 2 || /\s$/.test(q)) { return; }
    fetch("/api/suggest?q=" + encodeURIComponent(q))
      .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
      .then(function (data) {
        if (box.value !== q) { return; }
        while (datalist.firstChild) { datalist.removeChild(datalist.firstChild); }
        (data.suggestions || []).forEach(function (s) {
          var opt = document.createElement("option");
          opt.value = s;
          datalist.appendChild(opt);
        });
      })
      .catch(function () {});
  }

  if (box && results) {
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(runSearch, 300);
      clearTimeout(sugTimer);
      sugTimer = setTimeout(suggest, 150);
    });
  } else if (box) {
    box.addEventListener("input", function () {
      clearTimeout(sugTimer);
      sugTimer = setTimeout(suggest, 150);
    });
  }

  // --- article page: land on the first hit --------------------------------
  var firstHit = document.querySelector(".para.is-hit");
  if (firstHit && !location.hash) {
    firstHit.scrollIntoView({ block: "center" });
  }
})();
