// omstilling console: keyboard first. Arrow keys move through the results, Enter picks,
// Escape returns to the search box, "/" focuses it from anywhere, Alt+R dials the advice,
// Alt+O goes to the calls in the strip (arrows move, Enter picks the call being served).
(function () {
  "use strict";
  function box() { return document.getElementById("q"); }
  function items() { return Array.from(document.querySelectorAll("#results [role=option]")); }
  function current() { return items().findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; }); }
  function select(i) {
    var list = items();
    if (!list.length) { return; }
    i = Math.max(0, Math.min(i, list.length - 1));
    list.forEach(function (li, j) { li.setAttribute("aria-selected", j === i ? "true" : "false"); });
    list[i].scrollIntoView({ block: "nearest" });
    if (box()) { box().setAttribute("aria-activedescendant", list[i].id); }
  }
  function pick(li) {
    var form = document.getElementById("pick");
    if (!form || !li) { return; }
    form.elements.kind.value = li.dataset.kind;
    form.elements.id.value = li.dataset.id;
    form.elements.q.value = box() ? box().value : "";
    htmx.trigger(form, "submit");
  }
  // Alt+R ("ring op") opens the advice's number as its link (a softphone's tel:, sip:, ...
  // or the PBX's click-to-dial page), wherever the focus is; e.code, since Alt changes e.key.
  function dialKey(e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== "KeyR") { return false; }
    var link = document.querySelector("#advice a[data-dial=primary]");
    var status = document.getElementById("action-result");
    if (link) { link.click(); }
    else if (status) { status.textContent = "Rådet har intet nummer at ringe op."; }
    return true;
  }
  // The call being served (issue 16): picked in the strip, or taken on the operator's own
  // PBX agent. From then on the console's actions carry its call id, so they join the
  // PBX's record of the call (R3.12), and the caller panel shows what happened before.
  var serving = null;
  function serve(callId, shown) {
    serving = { id: callId, shown: shown || "" };
    var text = document.getElementById("serving-text"), end = document.getElementById("serving-end");
    if (text) { text.textContent = "Du betjener: " + (shown || "skjult nummer") + "."; }
    if (end) { end.hidden = false; }
    var panel = document.getElementById("caller");
    if (panel) {
      panel.hidden = false;
      htmx.ajax("GET", "/console/kalder?call_id=" + encodeURIComponent(callId), { target: "#caller" });
    }
  }
  function endServing() {
    serving = null;
    var text = document.getElementById("serving-text"), end = document.getElementById("serving-end");
    if (text) { text.textContent = "Intet opkald valgt. Alt+O går til opkaldene."; }
    if (end) { end.hidden = true; }
    var panel = document.getElementById("caller");
    if (panel) { panel.hidden = true; panel.textContent = ""; }
    if (box()) { box().focus(); }
  }
  var endButton = document.getElementById("serving-end");
  if (endButton) { endButton.addEventListener("click", endServing); }
  document.addEventListener("htmx:configRequest", function (e) {
    var path = e.detail.path || "";
    if (serving && (path === "/console/actions" || path === "/console/besked/gem")) {
      e.detail.parameters.call_id = serving.id;
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    // A message for the caller being served starts with their number.
    if (!serving || !serving.shown) { return; }
    var phone = e.target.querySelector && e.target.querySelector("input[name=caller_phone]");
    if (phone && !phone.value) { phone.value = serving.shown; }
  });
  // Alt+O ("opkald") goes to the first call in the strip.
  function callKey(e) {
    if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== "KeyO") { return false; }
    var first = document.querySelector("#incoming button.call");
    var status = document.getElementById("serving-text");
    if (first) { first.focus(); }
    else if (status) { status.textContent = "Ingen opkald i kø lige nu."; }
    return true;
  }
  document.addEventListener("keydown", function (e) {
    var q = box();
    if (!q) { return; }
    if (dialKey(e) || callKey(e)) { e.preventDefault(); return; }
    var inStrip = e.target.closest && e.target.closest("#incoming");
    if (inStrip && (e.key === "ArrowRight" || e.key === "ArrowLeft")) {
      var calls = Array.from(document.querySelectorAll("#incoming button.call"));
      var at = calls.indexOf(e.target) + (e.key === "ArrowRight" ? 1 : -1);
      if (calls[at]) { calls[at].focus(); }
      e.preventDefault();
      return;
    }
    if (e.target === q) {
      if (e.key === "ArrowDown") { select(current() + 1); e.preventDefault(); }
      else if (e.key === "ArrowUp") { select(current() - 1); e.preventDefault(); }
      else if (e.key === "Enter") {
        var list = items();
        if (list.length) { pick(list[Math.max(current(), 0)]); e.preventDefault(); }
      }
    } else if (e.key === "Escape") { q.focus(); q.select(); }
    else if (e.key === "/" && !/INPUT|TEXTAREA|SELECT/.test(e.target.tagName)) { q.focus(); q.select(); e.preventDefault(); }
  });
  document.addEventListener("click", function (e) {
    var li = e.target.closest && e.target.closest("#results [role=option]");
    if (li) { select(items().indexOf(li)); pick(li); }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target.id === "message-error") { markInvalid(e.target); return; }
    if (e.target.id !== "results") { return; }
    var q = box(), found = items().length > 0;
    // The combobox says whether its list has options, and points at one only while it does.
    if (q) {
      q.setAttribute("aria-expanded", found ? "true" : "false");
      if (!found) { q.removeAttribute("aria-activedescendant"); }
    }
    select(0);
  });
  // A refused message: the field it names is marked invalid, tied to the message and focused;
  // the other fields keep what was typed. The next try clears the marks.
  function markInvalid(slot) {
    var form = slot.closest("form"), text = slot.querySelector("[data-field]");
    if (!form) { return; }
    Array.from(form.querySelectorAll("[aria-invalid]")).forEach(function (el) {
      el.removeAttribute("aria-invalid");
      el.setAttribute("aria-describedby", (el.getAttribute("aria-describedby") || "").replace("message-error-text", "").trim());
      if (!el.getAttribute("aria-describedby")) { el.removeAttribute("aria-describedby"); }
    });
    var field = text && form.elements[text.dataset.field];
    if (!field || !field.setAttribute) { return; }
    field.setAttribute("aria-invalid", "true");
    field.setAttribute("aria-describedby", ((field.getAttribute("aria-describedby") || "") + " message-error-text").trim());
    field.focus();
  }
  // The birth day field takes the day of the month only: more than two characters is a
  // hint that a CPR number is being typed, and it is cleared before it is sent. Only a
  // hint: the rule (domain/citizen.py) is the server's.
  document.addEventListener("input", function (e) {
    if (e.target.name === "birth_day") {
      var v = e.target.value.replace(/\s/g, "");
      e.target.setCustomValidity(v.length > 2 ?
        "Kun dagen i måneden (1-31), aldrig hele CPR-nummeret." : "");
      if (v.length > 2) { e.target.value = ""; e.target.reportValidity(); }
    }
  });
  // A form's errors tied to the fields they name (issue 17 item 5): the server names the
  // inputs in data-fields; each is marked invalid and described by the error box.
  document.querySelectorAll(".error[data-fields]").forEach(function (errorBox) {
    var next = errorBox.nextElementSibling;
    var form = next && next.tagName === "FORM" ? next : errorBox.closest("form");
    if (!form || !errorBox.id) { return; }
    errorBox.dataset.fields.split(" ").forEach(function (name) {
      if (!name) { return; }
      form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
        input.setAttribute("aria-invalid", "true");
        var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
        if (ids.indexOf(errorBox.id) < 0) { ids.unshift(errorBox.id); }
        input.setAttribute("aria-describedby", ids.join(" "));
      });
    });
  });

  // Incoming calls on the switchboard's queue, pushed live.
  var strip = document.getElementById("incoming");
  if (strip && window.EventSource) {
    var source = new EventSource("/console/events");
    source.addEventListener("call", function (ev) {
      var d = JSON.parse(ev.data);
      var el = document.getElementById("call-" + d.call_id);
      var dial = document.getElementById("dial-" + d.call_id);
      if (d.type !== "queued") {
        // Answered on this operator's own agent: the console follows the call.
        if (d.type === "answered" && d.agent && strip.dataset.agent === d.agent) {
          serve(d.call_id, el ? el.dataset.caller : "");
        }
        if (el) { el.remove(); } if (dial) { dial.remove(); }
        return;
      }
      if (!el) { el = document.createElement("button"); el.className = "call"; el.id = "call-" + d.call_id; strip.prepend(el); }
      el.type = "button";
      el.dataset.caller = d.caller_display || "";
      el.textContent = "";
      var strong = document.createElement("strong"); strong.textContent = d.caller_display || "Skjult nummer";
      el.appendChild(strong);
      el.appendChild(document.createTextNode(" · " + d.calls_today + " opkald i dag · " + d.open_messages + " åbne beskeder"));
      if (d.returning) {
        // R1.3: back within 10 minutes of a transfer; said before the operator answers.
        var flag = document.createElement("span"); flag.className = "returning"; flag.textContent = d.returning;
        el.appendChild(document.createTextNode(" · ")); el.appendChild(flag);
      }
      el.onclick = function () {
        serve(d.call_id, d.caller_display);
        var q = box(); if (q && d.caller_display) { q.value = d.caller_display; htmx.trigger(q, "search"); q.focus(); }
      };
      // The caller's number as the softphone's link (the server made it from the settings'
      // template); a hidden number has none.
      if (d.caller_uri) {
        if (!dial) { dial = document.createElement("a"); dial.id = "dial-" + d.call_id; dial.className = "dial call-dial"; el.after(dial); }
        dial.href = d.caller_uri;
        dial.textContent = "Ring op";
        dial.setAttribute("aria-label", "Ring " + (d.caller_display || "") + " op");
        if (d.caller_opens_page) { dial.target = "_blank"; dial.rel = "noopener noreferrer"; }
      } else if (dial) { dial.remove(); }
      var empty = document.getElementById("incoming-empty"); if (empty) { empty.hidden = true; }
    });
  }
})();
