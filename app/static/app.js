// Common Ground: the little JavaScript the pages need beyond htmx.
// - the connection banner (live / reconnecting…) driven by htmx-ext-ws events;
// - a toast for refused commands (the server's JSON error message);
// - what a phone shows when the facilitator removes it or deletes the room.
(function () {
  "use strict";

  var everOpen = false;

  function setConnection(state, text) {
    var banner = document.getElementById("connection");
    document.documentElement.dataset.connection = state;
    if (!banner) return;
    banner.dataset.state = state;
    var label = banner.querySelector(".connection__text");
    if (label) label.textContent = text || label.dataset[state] || "";
  }

  function toast(message) {
    var region = document.getElementById("toast");
    if (!region) {
      region = document.createElement("div");
      region.id = "toast";
      region.className = "toast";
      region.setAttribute("role", "alert");
      document.body.appendChild(region);
    }
    region.textContent = message;
    region.dataset.visible = "true";
    clearTimeout(region._timer);
    region._timer = setTimeout(function () { region.dataset.visible = "false"; }, 6000);
  }

  document.addEventListener("htmx:wsConnecting", function () {
    setConnection(everOpen ? "offline" : "connecting");
  });
  document.addEventListener("htmx:wsOpen", function () {
    everOpen = true;
    setConnection("online");
  });
  document.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail && evt.detail.event ? evt.detail.event.code : 0;
    if (code === 4403) {
      setConnection("ended", "You were removed from this room.");
    } else if (code === 4404) {
      setConnection("ended", "This room no longer exists.");
    } else if (code === 4401) {
      setConnection("ended", "Please join the room again.");
    } else {
      setConnection("offline");
    }
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var message = "That did not work. Please try again.";
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) message = body.error.message;
    } catch (e) { /* not JSON: keep the default */ }
    toast(message);
  });
  document.addEventListener("htmx:sendError", function () {
    toast("No connection to the server. Check the Wi-Fi and try again.");
  });

  // ---- Keep what people are typing when a live update replaces the block ----
  // Fields marked data-keep become "dirty" when typed in; a swap copies their
  // value (and focus and caret) into the fresh block. Submitting a form makes
  // its fields clean again, so a successful post clears them.
  var refocus = null;

  function markDirty(evt) {
    var el = evt.target;
    if (!el.matches || !el.matches("[data-keep]")) return;
    if (el.type === "radio" && el.form) {
      // A radio group is one choice: every radio of the group carries it.
      el.form.querySelectorAll('input[type="radio"][name="' + CSS.escape(el.name) + '"]')
        .forEach(function (r) { r.dataset.dirty = "1"; });
    } else {
      el.dataset.dirty = "1";
    }
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest ? evt.detail.elt.closest("form") : null;
    if (!form) return;
    form.querySelectorAll("[data-dirty]").forEach(function (el) { delete el.dataset.dirty; });
  });
  document.addEventListener("htmx:responseError", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest ? evt.detail.elt.closest("form") : null;
    if (!form) return;
    form.querySelectorAll("[data-keep]").forEach(function (el) { if (el.value) el.dataset.dirty = "1"; });
  });
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    var target = evt.detail.target;
    var fragment = evt.detail.fragment;
    if (!target || !fragment || !fragment.querySelector) return;
    var kept = target.matches && target.matches("[data-keep][data-dirty]") ? [target] : [];
    target.querySelectorAll("[data-keep][data-dirty]").forEach(function (el) { kept.push(el); });
    kept.forEach(function (old) {
      var fresh = null;
      if (old.type === "radio" || old.type === "checkbox") {
        var form = old.form && old.form.getAttribute("action");
        var scope = form ? fragment.querySelector('form[action="' + CSS.escape(form) + '"]') : fragment;
        fresh = scope && scope.querySelector(
          'input[name="' + CSS.escape(old.name) + '"][value="' + CSS.escape(old.value) + '"]');
        if (fresh) { fresh.checked = old.checked; fresh.dataset.dirty = "1"; }
        return;
      }
      if (!old.id) return;
      fresh = fragment.querySelector("#" + CSS.escape(old.id));
      if (!fresh) return;
      fresh.value = old.value;
      if (fresh.tagName === "TEXTAREA") fresh.textContent = old.value;
      fresh.dataset.dirty = "1";
      if (document.activeElement === old) {
        refocus = { id: old.id, start: old.selectionStart, end: old.selectionEnd };
      }
    });
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!refocus) return;
    var el = document.getElementById(refocus.id);
    if (el) {
      el.focus();
      try { el.setSelectionRange(refocus.start, refocus.end); } catch (e) { /* not a text field */ }
    }
    refocus = null;
  });

  // ---- Drag notes between the circles (control view; mouse, pen and touch) ----
  var drag = null;

  function dropzoneAt(x, y) {
    var el = document.elementFromPoint(x, y);
    return el && el.closest ? el.closest("[data-ring]") : null;
  }

  document.addEventListener("pointerdown", function (evt) {
    var card = evt.target.closest && evt.target.closest(".postit--draggable");
    if (!card || evt.button > 0 || evt.target.closest("button, select, input, textarea, summary, a")) return;
    drag = { card: card, x: evt.clientX, y: evt.clientY, moving: false, over: null, id: evt.pointerId };
  });
  document.addEventListener("pointermove", function (evt) {
    if (!drag || evt.pointerId !== drag.id) return;
    var dx = evt.clientX - drag.x;
    var dy = evt.clientY - drag.y;
    if (!drag.moving && Math.abs(dx) + Math.abs(dy) < 8) return;
    if (!drag.moving) {
      drag.moving = true;
      drag.card.classList.add("postit--dragging");
      try { drag.card.setPointerCapture(evt.pointerId); } catch (e) { /* ok */ }
    }
    evt.preventDefault();
    drag.card.style.transform = "translate(" + dx + "px," + dy + "px) rotate(2deg)";
    var zone = dropzoneAt(evt.clientX, evt.clientY);
    if (zone !== drag.over) {
      if (drag.over) drag.over.classList.remove("dropzone--over");
      if (zone) zone.classList.add("dropzone--over");
      drag.over = zone;
    }
  });
  function endDrag(evt) {
    if (!drag || evt.pointerId !== drag.id) return;
    var state = drag;
    drag = null;
    state.card.classList.remove("postit--dragging");
    state.card.removeAttribute("style");
    if (state.over) state.over.classList.remove("dropzone--over");
    if (!state.moving || evt.type === "pointercancel") return;
    var zone = dropzoneAt(evt.clientX, evt.clientY);
    var from = state.card.closest("[data-ring]");
    if (!zone || !from || zone === from) return;
    htmx.ajax("POST", state.card.dataset.moveUrl, {
      source: state.card, swap: "none", values: { ring: zone.dataset.ring }
    });
  }
  document.addEventListener("pointerup", endDrag);
  document.addEventListener("pointercancel", endDrag);

  // ---- Client-chosen ids: a retried post (lost answer, second tap) is not a duplicate ----
  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);  // works on plain http too, unlike crypto.randomUUID
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  document.addEventListener("submit", function (evt) {
    var field = evt.target.querySelector && evt.target.querySelector("input[data-client-id]");
    if (field && !field.value) field.value = uuid4();
  }, true);

  // ---- The grid's prompts: one per screen, swipe or Previous / Next ----
  var stepIndex = 0;

  function steps() { return document.querySelector("[data-steps]"); }
  function stepCount(container) { return container.querySelectorAll(".grid-step").length; }
  function currentStep(container) {
    return Math.round(container.scrollLeft / Math.max(1, container.clientWidth));
  }
  function showStep(container, index, smooth) {
    var count = stepCount(container);
    index = Math.max(0, Math.min(count - 1, index));
    container.scrollTo({ left: index * container.clientWidth, behavior: smooth ? "smooth" : "instant" });
    labelStep(container, index);
  }
  function labelStep(container, index) {
    var label = document.querySelector("[data-step-label]");
    if (label) label.textContent = (index + 1) + " / " + stepCount(container);
    stepIndex = index;
  }
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-step]");
    var container = steps();
    if (!button || !container) return;
    showStep(container, currentStep(container) + Number(button.dataset.step), true);
  });
  document.addEventListener("scroll", function (evt) {
    if (evt.target.matches && evt.target.matches("[data-steps]")) labelStep(evt.target, currentStep(evt.target));
  }, true);
  // A live update re-renders the prompts: stay on the one the participant is on.
  document.addEventListener("htmx:oobBeforeSwap", function () {
    var container = steps();
    if (container) stepIndex = currentStep(container);
  });
  document.addEventListener("htmx:oobAfterSwap", function () {
    var container = steps();
    if (container) showStep(container, stepIndex, false);
  });
  // ---- The phase timer: the server renders it; this ticks it between updates ----
  function tick() {
    document.querySelectorAll(".timer[data-ends-at]").forEach(function (el) {
      if (!el.dataset.endsAt) return;  // paused: the server's figure stands
      var left = Math.max(0, Math.ceil((Date.parse(el.dataset.endsAt) - Date.now()) / 1000));
      var clock = el.querySelector(".timer__clock");
      if (clock) clock.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      if (left === 0 && !el.classList.contains("timer--up")) {
        el.classList.add("timer--up");
        var label = el.querySelector(".timer__label");
        if (label) label.textContent = "Time is up";
        var lock = el.querySelector(".timer__lock");
        if (lock) lock.textContent = "writing closed";
      }
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("htmx:oobAfterSwap", tick);

  // ---- Keyboard shortcuts (control view): a key clicks the button that names it ----
  var focusNote = null;
  document.addEventListener("keydown", function (evt) {
    if (evt.ctrlKey || evt.metaKey || evt.altKey || evt.defaultPrevented) return;
    var el = evt.target;
    if (el.closest && el.closest("input, textarea, select, [contenteditable]")) return;
    var key = evt.key.length === 1 ? evt.key.toLowerCase() : evt.key;
    if (key === "=") key = "+";
    var note = el.closest && el.closest("[data-note-id]");
    if (note && (key === "o" || key === "i")) {
      var button = note.querySelector('[data-move="' + (key === "o" ? "outer" : "inner") + '"]');
      if (button) {
        evt.preventDefault();
        focusNote = note.id;
        button.click();
      }
      return;
    }
    var target = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (target) {
      evt.preventDefault();
      target.click();
    }
  });
  // A moved note is re-rendered in its new circle: keep the keyboard on it.
  // Both the form's answer and the websocket's copy of the update re-render the
  // circles: refocus after each, until the user moves focus or the pointer elsewhere.
  document.addEventListener("htmx:oobAfterSwap", function () {
    if (!focusNote) return;
    var el = document.getElementById(focusNote);
    if (el && el !== document.activeElement) el.focus();
  });
  document.addEventListener("focusin", function (evt) {
    if (focusNote && evt.target.id !== focusNote) focusNote = null;
  });
  document.addEventListener("pointerdown", function () { focusNote = null; });

  // ---- Projector mode (board): high contrast, larger type; remembered per screen ----
  function projector(on) {
    document.documentElement.classList.toggle("projector", on);
    document.querySelectorAll("[data-projector-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
    try { localStorage.setItem("cg-projector", on ? "1" : "0"); } catch (e) { /* private mode */ }
  }
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-projector-toggle]");
    if (button) projector(!document.documentElement.classList.contains("projector"));
  });
  try {
    if (localStorage.getItem("cg-projector") === "1" || /[?&]projector=1/.test(location.search)) {
      document.addEventListener("DOMContentLoaded", function () { projector(true); });
    }
  } catch (e) { /* ok */ }
  // ---- Screen readers on phones hear what changed on the board (a live region) ----
  function announce(text) {
    var region = document.getElementById("announcer");
    if (!region || !text) return;
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }
  var notesBefore = null;
  function noteRings() {
    var rings = {};
    document.querySelectorAll("#phone-task .sort-list [id^='sort-']").forEach(function (el) {
      var head = el.closest(".sort-list").previousElementSibling;
      rings[el.id] = head && head.classList.contains("ring-head--outer") ? "outer" : "inner";
    });
    return rings;
  }
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "phone-task") notesBefore = noteRings();
  });
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (!notesBefore || !evt.detail.target || evt.detail.target.id !== "phone-task") return;
    var after = noteRings();
    var added = 0, moved = 0, gone = 0;
    Object.keys(after).forEach(function (id) {
      if (!(id in notesBefore)) added += 1;
      else if (notesBefore[id] !== after[id]) moved += 1;
    });
    Object.keys(notesBefore).forEach(function (id) { if (!(id in after)) gone += 1; });
    notesBefore = null;
    var parts = [];
    if (added) parts.push(added === 1 ? "1 new statement" : added + " new statements");
    if (moved) parts.push(moved === 1 ? "1 statement moved" : moved + " statements moved");
    if (gone) parts.push(gone === 1 ? "1 statement merged or removed" : gone + " statements merged or removed");
    announce(parts.join(", "));
  });
})();
