// Hvem skal jeg ringe til? for the municipality's own web site (issue 17 item 2).
//
// Where the box should be:  <div data-hvem></div>
// and, from the switchboard's server (its origin named in OMSTILLING_PUBLIC_SEARCH_ORIGINS):
//   <script src="https://omstilling.kommune.dk/static/hvem.js" defer></script>
//   <link rel="stylesheet" href="https://omstilling.kommune.dk/static/hvem.css">
// Without a [data-hvem] element the box comes right after the script. It asks that
// server's /api/v1/public/search, builds the answers from DOM nodes (never HTML from
// an answer), and has no inline script or style, so it runs under a strict
// Content-Security-Policy (ours: script-src 'self'; connect-src 'self'). No other code.
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  var API = origin + "/api/v1/public/search?q=";
  var MAX = 200;
  // A hint only, so that a CPR number is not even sent; the server's guard is the rule.
  var CPR = /(^|[^0-9+])[0-9]{2}[\s.\/-]{0,3}[0-9]{2}[\s.\/-]{0,3}[0-9]{2}\s{0,3}[-\u2010-\u2015]?\s{0,3}[0-9]{2}\s?[0-9]{2}(?![0-9])/;
  var TEXT = {
    heading: "Hvem skal jeg ringe til?",
    label: "Hvad vil du spørge om?",
    button: "Søg",
    hint: "For eksempel pas, storskrald eller boligstøtte. Skriv aldrig dit CPR-nummer.",
    tooLong: "Søgningen er for lang. Skriv højst " + MAX + " tegn, for eksempel ét eller to ord om det, du vil spørge om.",
    cpr: "Skriv aldrig dit CPR-nummer her. Søg på det, du vil spørge om, for eksempel pas eller boligstøtte. Din søgning er ikke sendt.",
    refused: "Søgningen kan ikke bruges. Skriv, hvad dit spørgsmål handler om.",
    flood: "Der er søgt for mange gange. Prøv igen om lidt.",
    broken: "Søgningen virker ikke lige nu. Prøv igen senere.",
    call: "Ring til",
    more: "Læs mere"
  };
  var mounted = 0;

  function node(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (text !== undefined && text !== null) { el.textContent = text; }
    return el;
  }

  function say(box, text) {
    box.replaceChildren(node("p", "hvem-besked", text));
    box.firstChild.setAttribute("role", "alert");
  }

  function fact(dl, term, dd) {
    dl.appendChild(node("dt", "", term));
    dl.appendChild(dd);
  }

  function answer(r) {
    var li = node("li", "hvem-et-svar");
    var h = node("h3", "", r.name + " ");
    li.appendChild(h);
    if (r.answer) { li.appendChild(node("p", "", r.answer)); }
    var dl = node("dl", "hvem-fakta");
    if (r.number) {
      var dd = node("dd");
      var tel = node("a", "hvem-nummer", r.number.display);
      tel.href = "tel:" + r.number.e164;
      dd.append(tel, " ", node("span", "hvem-hint", r.unit));
      fact(dl, TEXT.call, dd);
    }
    if (r.hours) {
      var hours = node("dd", "", r.hours.text);
      hours.append(node("br"), node("span", "hvem-status " + (r.open_now ? "hvem-aaben" : "hvem-lukket"), r.hours.status));
      fact(dl, r.hours.label, hours);
    }
    if (r.url && /^https?:\/\//i.test(r.url)) {
      var link = node("a", "", r.url.replace(/^https?:\/\//i, ""));
      link.href = r.url;
      var more = node("dd");
      more.appendChild(link);
      fact(dl, TEXT.more, more);
    }
    li.appendChild(dl);
    return li;
  }

  function show(box, q, data) {
    var results = data.results || [];
    if (!results.length) {
      say(box, "Vi fandt ikke noget om „" + q + "“. Prøv et andet ord.");
      return;
    }
    var ol = node("ol", "hvem-svar");
    results.forEach(function (r) { ol.appendChild(answer(r)); });
    box.replaceChildren(node("p", "hvem-sr", results.length + " svar på „" + q + "“"), ol);
  }

  function mount(host) {
    var id = "hvem-" + (++mounted);
    var form = node("form", "hvem-form");
    form.method = "get";
    form.action = origin + "/offentlig/soeg"; // without this script: our results page
    form.setAttribute("role", "search");
    var label = node("label", "", TEXT.label);
    label.htmlFor = id + "-q";
    var input = node("input");
    input.type = "search";
    input.name = "q";
    input.id = id + "-q";
    input.maxLength = MAX;
    input.autocomplete = "off";
    input.setAttribute("aria-describedby", id + "-hint");
    var hint = node("p", "hvem-hint", TEXT.hint);
    hint.id = id + "-hint";
    var row = node("div", "hvem-row");
    row.append(input, node("button", "", TEXT.button));
    var box = node("div", "hvem-resultater");
    box.id = id + "-svar";
    box.setAttribute("aria-live", "polite");
    input.setAttribute("aria-controls", box.id);
    form.append(label, row, hint);
    var section = node("section", "hvem");
    var heading = node("h2", "", TEXT.heading);
    heading.id = id + "-overskrift";
    section.setAttribute("aria-labelledby", heading.id);
    section.append(heading, form, box);
    host.replaceChildren(section);

    var timer = null;
    var pending = null;
    function search() {
      var q = input.value.trim();
      if (pending) { pending.abort(); pending = null; }
      if (!q) { box.replaceChildren(); return; }
      if (q.length > MAX) { say(box, TEXT.tooLong); return; }
      if (CPR.test(q)) { say(box, TEXT.cpr); return; }
      var controller = window.AbortController ? new AbortController() : null;
      pending = controller;
      fetch(API + encodeURIComponent(q), { credentials: "omit", signal: controller && controller.signal })
        .then(function (response) {
          if (response.status === 429) { say(box, TEXT.flood); return null; }
          if (response.status === 422) { say(box, TEXT.refused); return null; }
          if (!response.ok) { say(box, TEXT.broken); return null; }
          return response.json().then(function (data) { show(box, q, data); });
        })
        .catch(function (e) { if (!e || e.name !== "AbortError") { say(box, TEXT.broken); } });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 250);
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      clearTimeout(timer);
      search();
    });
  }

  function start() {
    var hosts = Array.prototype.slice.call(document.querySelectorAll("[data-hvem]"));
    if (!hosts.length && script) {
      var host = node("div");
      if (script.parentNode && script.parentNode !== document.head) {
        script.parentNode.insertBefore(host, script.nextSibling);
      } else {
        document.body.appendChild(host);
      }
      hosts.push(host);
    }
    hosts.forEach(mount);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
