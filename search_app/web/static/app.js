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

  function moveFocus(step) {
    var links = resultLinks();
    if (!links.length) { return false; }
    var i = links.indexOf(document.activeElement);
    var next = i === -1 ? (step > 0 ? 0 : links.length - 1) : Math.min(links.length - 1, Math.max(0, i + step));
    links.forEach(function (a) { a.closest(".result").classList.remove("is-active"); });
    links[next].focus();
    links[next].closest(".result").classList.add("is-active");
    links[next].scrollIntoView({ block: "nearest" });
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (e.key === "/" && !isTyping(document.activeElement) && box) {
      e.preventDefault();
      box.focus();
      box.select();
    } else if (e.key === "Escape" && document.activeElement === box) {
      box.blur();
    } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && !isTyping(document.activeElement)) {
      if (moveFocus(e.key === "ArrowDown" ? 1 : -1)) { e.preventDefault(); }
    }
    // Enter on a focused result link opens it: the browser's own behaviour.
  });

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
