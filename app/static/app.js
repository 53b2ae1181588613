// Common Ground: the little JavaScript the pages need beyond htmx.
// - the connection banner (live / reconnecting…) driven by htmx-ext-ws events;
// - a toast for refused commands (the server's JSON error message);
// - what a phone shows when the facilitator removes it or deletes the room.
(function () {
  "use strict";

  // The page's wording in its language: <html data-msg-…> (base.html), else English.
  function say(key, fallback) {
    var found = document.documentElement.dataset["msg" + key.charAt(0).toUpperCase() + key.slice(1)];
    return found || fallback;
  }

  var everOpen = false;

  function setConnection(state, text) {
    var banner = document.getElementById("connection");
    document.documentElement.dataset.connection = state;
    if (!banner) return;
    banner.dataset.state = state;
    // The board shows the room, not the connection: out of sight (still read out) while live.
    if (banner.closest(".page--board")) banner.classList.toggle("visually-hidden", state === "online" || state === "connecting");
    var label = banner.querySelector(".connection__text");
    if (label) label.textContent = text || label.dataset[state] || "";
  }

  window.cgConnection = setConnection;  // connection.js: the heartbeat's verdict

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
      setConnection("ended", say("removed", "You were removed from this room."));
    } else if (code === 4404) {
      setConnection("ended", say("gone", "This room no longer exists."));
    } else if (code === 4401) {
      setConnection("ended", say("rejoin", "Please join the room again."));
    } else {
      setConnection("offline");
    }
  });

  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr;
    var message = say("failed", "That did not work. Please try again.");
    try {
      var body = JSON.parse(xhr.responseText);
      if (body && body.error && body.error.message) message = body.error.message;
    } catch (e) { /* not JSON: keep the default */ }
    toast(message);
  });
  document.addEventListener("htmx:sendError", function () {
    toast(say("offline", "No connection to the server. Check the Wi-Fi and try again."));
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
  // A form's answer swaps whole page blocks: the page stays where it was scrolled to
  // (the browser's scroll anchoring would otherwise follow the old block down).
  var keptScroll = null;
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    if (!evt.detail.live && keptScroll === null) keptScroll = window.scrollY;
  });
  document.addEventListener("htmx:afterRequest", function () { keptScroll = null; });
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (evt.detail.live || keptScroll === null) return;
    if (window.scrollY !== keptScroll) window.scrollTo(0, keptScroll);
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
    var circles = el && el.closest ? el.closest('[data-sort-board][data-view="circles"]') : null;
    if (circles && window.cgSortRingAt) return window.cgSortRingAt(circles, x, y);  // by the ellipses
    return el && el.closest ? el.closest("[data-ring]") : null;
  }

  document.addEventListener("pointerdown", function (evt) {
    var card = evt.target.closest && evt.target.closest(".postit--draggable, .cnote");
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
    state.card.style.removeProperty("transform");  // (the circles view positions it too)
    if (state.over) state.over.classList.remove("dropzone--over");
    if (!state.moving || evt.type === "pointercancel") return;
    var zone = dropzoneAt(evt.clientX, evt.clientY);
    var from = state.card.closest("[data-ring]");
    if (!zone || !from || zone === from) return;
    moveNote(state.card, zone.dataset.ring);
  }
  document.addEventListener("pointerup", endDrag);
  document.addEventListener("pointercancel", endDrag);

  // ---- A big step back was confirmed in the dialog (hx-confirm): say so to the server ----
  document.addEventListener("htmx:configRequest", function (evt) {
    var form = evt.detail.elt && evt.detail.elt.closest ? evt.detail.elt.closest("form") : null;
    if (form && form.hasAttribute("data-confirm-step")) evt.detail.parameters.confirm = "true";
  });

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
        if (label) label.textContent = say("timeUp", "Time is up");
        var lock = el.querySelector(".timer__lock");
        if (lock) lock.textContent = say("writingClosed", "writing closed");
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
    var note = el.closest && el.closest(".cnote");
    if (note && (key === "o" || key === "i")) {
      var ring = key === "o" ? "outer" : "inner";
      if (note.getAttribute("data-in") !== "control-ring-" + ring) {
        evt.preventDefault();
        focusNote = note.id;
        moveNote(note, ring);
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

  // ---- The board: fit what it shows, or page it ("page 2 of 3") ----
  // board.css sizes the board in rem from the screen's height. What does not fit in
  // #board-main is paged: its units (a name, a grid row, a statement, a section…) are
  // dealt onto pages in order, each page what fits once the pages before it are put
  // away. The page shown is the room's (#board-view, set from the control view), wrapped
  // round this screen's page count. A unit too tall for a page of its own is shrunk.
  var UNITS = [
    ".names > li", "tr[id^='board-row-']", ".board-statement", ".board-statement__text", ".mini-note", ".doc__head",
    ".doc-board__doc .doc__intro", ".doc-board__doc .doc__entry", ".doc-board__doc .doc__items > li",
    ".doc-board__doc .doc__section > p", ".board .ratings tbody tr", ".ladder__rung", ".note-page__item",
    ".spot__item", ".coverage li", ".objections > li", ".board-statement__items > li",
    ".grid-cell__item", ".grid-cell--overall:has(.grid-cell__statement)", ".vote-result"
  ].join(", ");
  // A group (a grid row, a statement) holds units and what heads them: it is shown on
  // the pages that hold one of its units, its head repeated, and put away on the others.
  var GROUPS = "tr[id^='board-row-'], .board-statement, .doc-board__doc .doc__section, .doc-board__doc .doc__entry";
  var localPage = null;  // a page chosen here (tests), until the room turns the page

  function boardMain() { return document.querySelector(".page--board #board-main"); }
  function boardView() { return document.getElementById("board-view"); }

  function unitsOf(main) {
    var all = Array.prototype.slice.call(main.querySelectorAll(UNITS));
    return all.filter(function (u) {  // a statement pages its objections, and stays
      return !u.querySelector(UNITS);
    });
  }
  function groupsOf(main, units) {
    var groups = [];
    Array.prototype.forEach.call(main.querySelectorAll(GROUPS), function (el) {
      var held = units.filter(function (u) { return u !== el && el.contains(u); });
      if (held.length) groups.push({ el: el, units: held });
    });
    return groups;
  }
  function showGroups(groups, onPage) {  // onPage: the units shown
    groups.forEach(function (g) {
      var shown = g.units.some(function (u) { return onPage.indexOf(u) >= 0; });
      if (shown) g.el.removeAttribute("data-off"); else g.el.setAttribute("data-off", "");
    });
  }
  function fits(el, box) {
    var r = el.getBoundingClientRect();
    return r.bottom <= box.bottom + 1 && r.right <= box.right + 1 && r.top >= box.top - 1;
  }
  function paginate(main) {
    var all = unitsOf(main);
    all.forEach(function (u) { u.removeAttribute("data-off"); u.style.removeProperty("zoom"); });
    main.querySelectorAll(GROUPS).forEach(function (g) { g.removeAttribute("data-off"); });
    var units = all.filter(function (u) { return u.getClientRects().length > 0; });  // not what is never shown
    var groups = groupsOf(main, units);
    showGroups(groups, units);
    var box = main.getBoundingClientRect();
    var pages = [];
    var left = units;
    var overflows = function () {
      return main.scrollHeight > main.clientHeight + 1 || main.scrollWidth > main.clientWidth + 1;
    };
    while (left.length) {
      left.forEach(function (u) { u.removeAttribute("data-off"); });
      showGroups(groups, left);
      var page = left.filter(function (u) { return fits(u, box); });
      if (!page.length) page = [left[0]];
      left.forEach(function (u) { if (page.indexOf(u) < 0) u.setAttribute("data-off", ""); });
      showGroups(groups, page);
      while (page.length > 1 && overflows()) {  // what follows the units must fit too
        page.pop().setAttribute("data-off", "");
        showGroups(groups, page);
      }
      pages.push(page);
      page.forEach(function (u) { u.setAttribute("data-off", ""); });
      left = left.filter(function (u) { return page.indexOf(u) < 0; });
    }
    return { units: units, groups: groups, pages: pages.length ? pages : [[]], box: box };
  }
  function showPage(main, laid, wanted) {
    var count = laid.pages.length;
    var index = ((wanted % count) + count) % count;
    laid.pages.forEach(function (page, n) {
      page.forEach(function (u) {
        if (n === index) u.removeAttribute("data-off"); else u.setAttribute("data-off", "");
      });
    });
    showGroups(laid.groups, laid.pages[index]);
    laid.pages[index].forEach(function (u) {  // a unit too tall for a page of its own
      for (var scale = 0.9; scale > 0.35 && !fits(u, laid.box); scale -= 0.1) {
        u.style.zoom = scale.toFixed(2);
      }
    });
    var pager = document.querySelector("[data-pager]");
    if (pager) {
      var label = pager.getAttribute("data-label") || " · page {n} of {count}";
      pager.textContent = count > 1 ? label.replace("{n}", index + 1).replace("{count}", count) : "";
    }
    main.toggleAttribute("data-paged", count > 1);
    return index;
  }
  function fitBoard() {
    var main = boardMain();
    if (!main) return null;
    var view = boardView();
    var projectorOn = (view && view.getAttribute("data-projector") === "on") || /[?&]projector=1/.test(location.search);
    document.documentElement.classList.toggle("projector", projectorOn);
    layoutCircles();
    var laid = paginate(main);
    var wanted = localPage !== null ? localPage : Number(view ? view.getAttribute("data-page") : 0) || 0;
    var index = showPage(main, laid, wanted);
    markListed();
    lastFit = { main: main, laid: laid, size: innerWidth + "x" + innerHeight };
    return { laid: laid, index: index };
  }
  // Live updates come in bursts (a room sorting together): the board is fitted again
  // once a burst settles, not once per message.
  var fitTimer = null;
  function queueFit(delay) {
    clearTimeout(fitTimer);
    fitTimer = setTimeout(function () { fitTimer = null; requestAnimationFrame(fitBoard); }, delay || 0);
  }
  window.addEventListener("resize", function () { queueFit(0); });
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(queueFit);
  var lastFit = null;
  window.cgBoard = {  // for the tests: show page n of this screen, say what is on it
    reveal: function (selector) {  // show the page that holds `selector` (its first unit)
      var done = fitBoard();
      var el = document.querySelector(selector);
      if (!done || !el) return -1;
      for (var n = 0; n < done.laid.pages.length; n++) {
        if (done.laid.pages[n].some(function (u) { return u.contains(el) || el.contains(u); })) {
          return this.show(n).page;
        }
      }
      return done.index;
    },
    show: function (n) {
      localPage = n;
      var main = boardMain();
      var done = lastFit && main && lastFit.main === main && lastFit.size === innerWidth + "x" + innerHeight
        ? { laid: lastFit.laid, index: showPage(main, lastFit.laid, n) } : fitBoard();
      markListed();
      if (!done) return { page: 0, pages: 1, units: [], all: [] };
      var key = function (u) { return String(done.laid.units.indexOf(u)); };
      return {
        page: done.index,
        pages: done.laid.pages.length,
        units: done.laid.pages[done.index].map(key),
        all: done.laid.units.map(key)
      };
    }
  };

  // ---- Keys for the board's pages: PageDown / → next, PageUp / ← previous ----
  // On the control view they press its page buttons; on the board (the facilitator's
  // window) they post the same turn. Fields, selects and note cards keep their keys.
  var TURNS = { PageDown: 1, ArrowRight: 1, PageUp: -1, ArrowLeft: -1 };
  document.addEventListener("keydown", function (evt) {
    if (!(evt.key in TURNS) || evt.ctrlKey || evt.metaKey || evt.altKey || evt.shiftKey || evt.defaultPrevented) return;
    var el = evt.target;
    if (el.closest && el.closest("input, textarea, select, [contenteditable], [data-note-id], [data-steps]")) return;
    var turn = TURNS[evt.key];
    var button = document.querySelector('[data-board-turn="' + turn + '"]');
    var board = document.querySelector("[data-board-action]");
    if (button) {
      evt.preventDefault();
      button.click();
    } else if (board) {
      evt.preventDefault();
      localPage = null;
      var body = new FormData();
      body.append("turn", String(turn));
      fetch(board.getAttribute("data-board-action"), { method: "POST", body: body, credentials: "same-origin" })
        .catch(function () { /* offline: the page stays */ });
    }
  });

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
      rings[el.id] = el.closest(".sort-list").id === "sort-ring-outer" ? "outer" : "inner";
    });
    return rings;
  }
  document.addEventListener("cg:liveBefore", function () {
    if (document.getElementById("phone-task")) notesBefore = noteRings();
  });
  document.addEventListener("cg:liveAfter", function () {
    if (!notesBefore) return;
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

  // ---- Forms marked data-post post with htmx to their own action (not a second
  // copy of the URL in every live element) and leave the page to the live channel.
  function upgradeForms(root) {
    var forms = root.matches && root.matches("form[data-post]") ? [root] : [];
    root.querySelectorAll("form[data-post]").forEach(function (f) { forms.push(f); });
    forms.forEach(function (form) {
      form.setAttribute("hx-post", form.getAttribute("action"));
      if (!form.hasAttribute("hx-swap")) form.setAttribute("hx-swap", "none");
      form.removeAttribute("data-post");
    });
  }
  upgradeForms(document);  // before htmx reads the page (DOMContentLoaded)

  // ---- A form that enters for someone chosen from a list (select[data-dots-for]): choosing
  // them ticks what was entered for them so far (their option's data-dots: note ids); so
  // does a change to what was entered for them, or a fresh form, except boxes being ticked.
  function tickChosen(select, force) {
    var chosen = select.options[select.selectedIndex];
    var dots = chosen ? chosen.getAttribute("data-dots") || "" : "";
    select.dataset.ticked = dots;
    select.form.querySelectorAll('input[type="checkbox"][name="note_ids"]').forEach(function (box) {
      if (!force && box.dataset.dirty) return;
      box.checked = dots.split(" ").indexOf(box.value) >= 0;
      delete box.dataset.dirty;
    });
  }
  document.addEventListener("change", function (evt) {
    if (evt.target.matches && evt.target.matches("select[data-dots-for]")) tickChosen(evt.target, true);
  });
  function tickChanged() {
    document.querySelectorAll("select[data-dots-for]").forEach(function (select) {
      var chosen = select.options[select.selectedIndex];
      var dots = chosen ? chosen.getAttribute("data-dots") || "" : "";
      if (select.dataset.ticked !== dots) tickChosen(select, false);
    });
  }
  document.addEventListener("cg:liveAfter", tickChanged);
  document.addEventListener("DOMContentLoaded", tickChanged);
  document.addEventListener("htmx:oobBeforeSwap", function (evt) {
    if (evt.detail.fragment && evt.detail.fragment.querySelectorAll) upgradeForms(evt.detail.fragment);
  });

  // ---- Live updates: keyed elements put in place, not whole blocks swapped ----
  // Each message holds elements with stable ids. One with `data-in` belongs in
  // that list, at its `data-order`; one without replaces the element with its
  // id; <template data-remove="ids"> drops elements; <template data-move-items="a"
  // data-in="b"> moves the items the page has of list a (data-in="a") to list b. SVG
  // elements come inside <svg data-live-wrap>, so that they parse as SVG. What people
  // are typing, focus and scroll stay where they are (see the data-keep handling above).
  function liveItems(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var items = [];
    Array.prototype.forEach.call(tpl.content.children, function (node) {
      var inner = node.tagName === "TEMPLATE" && !node.hasAttribute("data-remove") && !node.hasAttribute("data-move-items");
      if (inner) {  // table rows and cells, each parsed in its own template
        Array.prototype.forEach.call(node.content.children, function (child) { items.push(child); });
      } else if (node.hasAttribute("data-live-wrap")) {
        Array.prototype.forEach.call(node.children, function (child) { items.push(child); });
      } else {
        items.push(node);
      }
    });
    return items;
  }

  function focusKey(root) {
    var active = document.activeElement;
    if (!active || active === document.body || !root.contains(active)) return null;
    if (active.id) return "#" + CSS.escape(active.id);
    var form = active.closest("form");
    if (form && form.getAttribute("action")) {
      var inForm = Array.prototype.indexOf.call(form.querySelectorAll(active.tagName), active);
      return 'form[action="' + CSS.escape(form.getAttribute("action")) + '"] ' +
        active.tagName.toLowerCase() + ":nth-of-type(" + (inForm + 1) + ")";
    }
    return null;
  }

  function placeInOrder(parent, node, old) {
    var order = Number(node.getAttribute("data-order"));
    var before = null;
    for (var c = parent.firstElementChild; c; c = c.nextElementSibling) {
      if (c !== old && Number(c.getAttribute("data-order")) > order) { before = c; break; }
    }
    if (old) old.remove();
    parent.insertBefore(node, before);
  }

  // A list marked data-keep-items came empty: its items travel as elements of their own
  // (the notes merged into a note), so the ones the page has stay, as does the list's
  // <details> open or shut.
  function keepItems(node, old) {
    node.querySelectorAll("[data-keep-items]").forEach(function (list) {
      var was = old && list.id ? old.querySelector("#" + CSS.escape(list.id)) : null;
      if (was) {
        while (was.firstChild) list.appendChild(was.firstChild);
        var box = list.closest("details"), wasBox = was.closest("details");
        if (box && wasBox && wasBox.open && !box.hidden) box.open = true;
      }
      list.removeAttribute("data-keep-items");
    });
  }

  function putInPlace(node) {
    var old = node.id ? document.getElementById(node.id) : null;
    var into = node.getAttribute("data-in");
    var parent = into ? document.getElementById(into) : null;
    if (into ? !parent : !old) return false;
    var holder = document.createDocumentFragment();
    holder.appendChild(node);
    keepItems(node, old);
    if (old && limbo) {  // items of its lists the new copy did not keep: a data-move-items may want them
      old.querySelectorAll("[data-in][id]").forEach(function (el) { limbo[el.id] = el; });
    }
    var focus = old ? focusKey(old) : null;
    var target = old || parent;
    htmx.trigger(target, "htmx:oobBeforeSwap", { target: target, fragment: holder, live: true });
    var chosen = old && old.tagName === "OPTION" && old.selected;
    if (parent) placeInOrder(parent, node, old);
    else old.replaceWith(node);
    if (chosen) node.selected = true;  // (a name in a form's list, its text changed)
    upgradeForms(node);
    htmx.process(node);
    if (focus && !document.activeElement.closest("body *")) {
      var again = node.matches(focus) ? node : node.querySelector(focus);
      if (again) again.focus({ preventScroll: true });
    }
    htmx.trigger(node, "htmx:oobAfterSwap", { target: node, live: true });
    return true;
  }

  var limbo = null;  // during one message: list items whose element was replaced (by id)

  function applyLive(html) {
    var relayout = false;
    limbo = {};
    var later = [];  // items for a list that comes later in the message
    document.dispatchEvent(new CustomEvent("cg:liveBefore"));
    function place(node, again) {
      if (node.tagName === "TEMPLATE" && node.hasAttribute("data-remove")) {
        node.getAttribute("data-remove").split(" ").forEach(function (id) {
          var gone = id ? document.getElementById(id) : null;
          if (!gone) return;
          if (gone.closest("[data-circles]")) relayout = true;
          gone.remove();
        });
      } else if (node.tagName === "TEMPLATE" && node.hasAttribute("data-move-items")) {
        // The items the page has of one list (data-in="a": in it still, or in limbo when
        // this message replaced the element holding it) move, unchanged, to another list.
        var from = node.getAttribute("data-move-items");
        var into = document.getElementById(node.getAttribute("data-in"));
        var moving = Array.prototype.slice.call(
          document.querySelectorAll('[data-in="' + CSS.escape(from) + '"]'));
        Object.keys(limbo).forEach(function (id) {
          var el = limbo[id];
          if (el.getAttribute("data-in") === from && moving.indexOf(el) < 0) moving.push(el);
        });
        if (into) {
          moving.forEach(function (el) {
            el.setAttribute("data-in", into.id);
            placeInOrder(into, el, el);
          });
        } else if (moving.length && !again) {
          later.push(node);
        }
      } else if (putInPlace(node)) {
        if (node.closest("[data-circles]")) relayout = true;
      } else if (!again && node.hasAttribute("data-in")) {
        later.push(node);
      }
    }
    liveItems(html).forEach(function (node) { place(node, false); });
    later.forEach(function (node) { place(node, true); });
    limbo = null;
    if (boardMain()) {  // notes go to their spots now; the board is fitted when the burst ends
      localPage = null;
      lastFit = null;
      if (relayout || html.indexOf("data-circles") >= 0) layoutSpots();
      queueFit(150);
    }
    else if (relayout || html.indexOf("data-circles") >= 0) layoutCircles();
    document.dispatchEvent(new CustomEvent("cg:liveAfter"));
  }

  // A form post answers with what it changed, keyed like a live update: put in place now
  // (the live channel brings the same a moment later, and puts it in the same place).
  document.addEventListener("htmx:afterRequest", function (evt) {
    var xhr = evt.detail.xhr;
    if (!evt.detail.successful || !xhr || xhr.getResponseHeader("X-Live") !== "keyed") return;
    if (xhr.responseText) applyLive(xhr.responseText);  // keyed: scroll anchoring holds
    // The posting form, where the answer did not replace it, is left as a fresh render
    // would leave it: what was sent cleared (unless typed since), a new client id.
    var form = evt.detail.elt && evt.detail.elt.closest ? evt.detail.elt.closest("form") : null;
    if (!form || !document.contains(form)) return;
    form.querySelectorAll("input[data-client-id]").forEach(function (el) { el.value = ""; });
    form.querySelectorAll("textarea[data-keep]:not([data-dirty]), input[data-keep]:not([data-dirty])")
      .forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") return;
        el.value = el.defaultValue;
        el.dispatchEvent(new Event("input", { bubbles: true }));  // its character count
        delete el.dataset.dirty;  // (that event is not someone typing)
      });
  });

  document.addEventListener("htmx:wsBeforeMessage", function (evt) {
    evt.preventDefault();  // htmx would swap whole blocks: put the elements in place instead
    applyLive(evt.detail.message);
    htmx.trigger(evt.target, "htmx:wsAfterMessage", { message: evt.detail.message });
  });

  // A page (re)connecting says which update it last showed: it gets what changed since.
  htmx.createWebSocket = function (url) {
    var marker = document.getElementById("live-seq");
    var seq = marker ? marker.getAttribute("data-seq") : null;
    if (seq && /^\d+$/.test(seq)) url += (url.indexOf("?") < 0 ? "?" : "&") + "since=" + seq;
    return new WebSocket(url);
  };

  // ---- The board's circles: notes laid out where they are shown ----
  // Notes sit on a grid of equal cells: the inner circle's in cells wholly
  // inside the inner ellipse, the outer circle's in cells wholly between the
  // two. Cells shrink until every note fits; the text size follows the cell
  // and the text's length. (SVG units: the board's viewBox is 2000 × 1000.)
  var CX = 1000, CY = 500, OUTER = [985, 492], INNER = [735, 352], ASPECT = 1.55, GAP = 6;
  var FONT_SIZES = [40, 33, 27, 22, 18, 14];

  function halfWidth(radii, top, bottom) {
    var worst = Math.max(Math.abs(top - CY), Math.abs(bottom - CY));
    if (worst >= radii[1]) return 0;
    return radii[0] * Math.sqrt(1 - Math.pow(worst / radii[1], 2));
  }
  function reach(y, height) {
    var nearest = (y <= CY && CY <= y + height) ? 0 : Math.min(Math.abs(y - CY), Math.abs(y + height - CY));
    if (nearest >= INNER[1]) return 0;
    return INNER[0] * Math.sqrt(1 - Math.pow(nearest / INNER[1], 2));
  }
  function fill(left, right, width) {
    var count = Math.floor((right - left + GAP) / (width + GAP));
    if (count <= 0) return [];
    var used = count * width + (count - 1) * GAP;
    var start = left + (right - left - used) / 2;
    var xs = [];
    for (var i = 0; i < count; i++) xs.push(start + i * (width + GAP));
    return xs;
  }
  function cells(width, inner) {
    var height = width / ASPECT;
    var radii = inner ? INNER : OUTER;
    var rows = Math.floor((2 * radii[1] + GAP) / (height + GAP));
    var top = CY - (rows * height + (rows - 1) * GAP) / 2;
    var found = [];
    for (var row = 0; row < rows; row++) {
      var y = top + row * (height + GAP);
      var half = halfWidth(radii, y, y + height);
      if (half <= 0) continue;
      var xs;
      if (inner) {
        xs = fill(CX - half, CX + half, width);
      } else {
        var hole = halfWidth(INNER, y - GAP, y + height + GAP);
        var misses = y > CY + INNER[1] + GAP || y + height < CY - INNER[1] - GAP;
        if (misses) {
          xs = fill(CX - half, CX + half, width);
        } else {
          var edge = hole === 0 ? INNER[0] : Math.max(hole, reach(y, height)) + GAP;
          xs = fill(CX - half, CX - edge, width).concat(fill(CX + edge, CX + half, width));
        }
      }
      xs.forEach(function (x) { found.push([x, y]); });
    }
    var h2 = height / 2, w2 = width / 2;
    if (inner) {
      found.sort(function (a, b) {
        return (Math.pow(a[1] + h2 - CY, 2) + Math.pow(a[0] + w2 - CX, 2)) -
          (Math.pow(b[1] + h2 - CY, 2) + Math.pow(b[0] + w2 - CX, 2));
      });
    } else {
      found.sort(function (a, b) {
        return Math.atan2(a[1] + h2 - CY, a[0] + w2 - CX) - Math.atan2(b[1] + h2 - CY, b[0] + w2 - CX);
      });
    }
    return found;
  }
  // The largest text size (1…6) at which a note's text fits its cell, or 0.
  function fitSize(width, height, length) {
    for (var i = 0; i < FONT_SIZES.length; i++) {
      var font = FONT_SIZES[i];
      var padding = i < 4 ? 22 : 14;
      var perLine = (width - padding) / (0.6 * font);
      var lines = Math.floor((height - padding - font) / (1.15 * font));
      if (lines >= 1 && lines * perLine * 0.75 >= length) return i + 1;
    }
    return 0;
  }
  function notesOf(group) {
    return Array.prototype.filter.call(group.children, function (el) {
      return el.tagName.toLowerCase() === "foreignobject";
    });
  }
  // Each note keeps its slot (given by the server when it entered its circle): the
  // slot-th cell, nearest the centre first. Cells are sized for every note on the board
  // being in one circle, so a move never resizes them. Two notes claiming one slot (a
  // note restored into a taken spot): the later one takes the lowest free slot.
  function slotsOf(notes) {
    var taken = {}, slots = [];
    notes.slice().sort(function (a, b) { return Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order")); })
      .forEach(function (note) {
        var slot = Number(note.getAttribute("data-slot")) || 0;
        if (taken[slot]) { slot = 0; while (taken[slot]) slot += 1; }
        taken[slot] = true;
        slots.push([note, slot]);
      });
    return slots;
  }
  function layoutRing(group, capacity, overview) {
    var inner = group.getAttribute("data-ring-layout") === "inner";
    var notes = notesOf(group);
    if (!notes.length) return Infinity;
    var placed = slotsOf(notes);
    var need = Math.max(capacity, 1 + Math.max.apply(null, placed.map(function (p) { return p[1]; })));
    var width = inner ? 380 : 240;
    var spots = cells(width, inner);
    while (spots.length < need && width > 20) {
      width *= 0.95;
      spots = cells(width, inner);
    }
    var height = width / ASPECT;
    var smallest = Infinity;
    placed.forEach(function (pair) {
      var note = pair[0], index = pair[1], x, y;
      if (index < spots.length) { x = spots[index][0]; y = spots[index][1]; }
      else { x = GAP + (index % 10) * (width / 3); y = GAP + Math.floor(index / 10) * (height / 3); }
      note.setAttribute("x", x.toFixed(1));
      note.setAttribute("y", y.toFixed(1));
      note.setAttribute("width", width.toFixed(1));
      note.setAttribute("height", height.toFixed(1));
      var box = note.firstElementChild;
      if (!box) return;
      var fit = fitSize(width, height, Number(note.getAttribute("data-len")) || 0);
      var size = overview || !fit ? FONT_SIZES.length : fit;
      for (var s = 1; s <= FONT_SIZES.length; s++) box.classList.toggle("pi--s" + s, s === size);
      smallest = Math.min(smallest, fit ? FONT_SIZES[fit - 1] : 0);
    });
    return smallest;
  }
  // The board shows the notes' text in the circles while it is legible there (at least
  // 1rem on screen); with more notes, the circles are an overview and the notes of one
  // circle (the one chosen in the control view) are listed beside them, legibly, paged.
  function layoutCircles() {
    document.querySelectorAll("[data-circles]").forEach(function (svg) {
      var wrap = svg.closest(".circles-wrap");
      var rings = svg.querySelectorAll("[data-ring-layout]");
      var total = 0;
      rings.forEach(function (g) { total += notesOf(g).length; });
      var board = wrap && wrap.closest(".page--board #board-main");
      if (!board || !rings.length) {
        rings.forEach(function (g) { layoutRing(g, notesOf(g).length, false); });
        return;
      }
      wrap.removeAttribute("data-overview");
      var smallest = Infinity;
      rings.forEach(function (g) { smallest = Math.min(smallest, layoutRing(g, total, false)); });
      var rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
      var scale = svg.getBoundingClientRect().width / 2000;
      var legible = smallest === Infinity || smallest * scale >= rem;
      if (!legible) {
        wrap.setAttribute("data-overview", "");
        rings.forEach(function (g) { layoutRing(g, total, true); });
      }
      listNotes(wrap, legible ? null : svg);
    });
  }
  function layoutSpots() {  // positions only, in the board's current mode
    document.querySelectorAll("[data-circles]").forEach(function (svg) {
      var wrap = svg.closest(".circles-wrap");
      var rings = svg.querySelectorAll("[data-ring-layout]");
      var total = 0;
      rings.forEach(function (g) { total += notesOf(g).length; });
      var overview = !!(wrap && wrap.hasAttribute("data-overview"));
      rings.forEach(function (g) { layoutRing(g, total, overview); });
    });
  }
  function listNotes(wrap, svg) {
    var list = wrap.querySelector("[data-note-page]");
    if (!list) return;
    list.textContent = "";
    if (!svg) return;
    var view = boardView();
    var ring = view && view.getAttribute("data-notes") === "outer" ? "outer" : "inner";
    var group = svg.querySelector('[data-ring-layout="' + ring + '"]');
    var head = document.createElement("li");
    head.className = "note-page__head";
    head.textContent = (list.getAttribute("data-" + ring) || ring) + " · " + (group ? notesOf(group).length : 0);
    list.appendChild(head);
    (group ? notesOf(group) : []).forEach(function (note) {
      var box = note.firstElementChild;
      var text = note.querySelector(".pi__text");
      var letter = note.querySelector(".pi__letter");
      var item = document.createElement("li");
      item.className = "note-page__item " + (box ? box.className.split(" ").filter(function (c) { return /^pi--[a-z-]+$/.test(c) && !/^pi--(s\d|out|listed)$/.test(c); }).join(" ") : "");
      item.setAttribute("data-for", note.id);
      var who = document.createElement("span");
      who.className = "note-page__who";
      who.setAttribute("aria-hidden", "true");
      who.textContent = letter ? letter.textContent : "";
      var said = document.createElement("span");
      said.className = "note-page__text";
      said.textContent = text ? text.textContent : "";
      item.appendChild(who);
      item.appendChild(said);
      list.appendChild(item);
    });
  }
  function markListed() {
    document.querySelectorAll(".pi--listed").forEach(function (el) { el.classList.remove("pi--listed"); });
    document.querySelectorAll(".note-page__item:not([data-off])").forEach(function (item) {
      var note = document.getElementById(item.getAttribute("data-for"));
      if (note && note.firstElementChild) note.firstElementChild.classList.add("pi--listed");
    });
  }
  window.cgLayoutCircles = layoutCircles;  // for the tests of the layout
  window.cgCircles = { cells: cells, slotsOf: slotsOf, aspect: ASPECT };  // control_circles.js
  document.addEventListener("DOMContentLoaded", function () { if (!fitBoard()) layoutCircles(); });

  // ---- Merge menus (control view): the other notes, listed when a menu opens ----
  function noteId(card) { return card.id.replace(/^control-note-/, ""); }
  function fillMergeMenu(select) {
    var card = select.closest(".cnote");
    var own = card ? noteId(card) : null;
    var chosen = select.value;
    while (select.options.length > 1) select.remove(1);
    document.querySelectorAll(".cnote").forEach(function (note) {
      var id = noteId(note);
      if (id === own) return;
      var text = note.querySelector(".postit__text");
      var label = text ? text.textContent.trim() : id;
      var option = document.createElement("option");
      option.value = id;
      option.textContent = label.length > 48 ? label.slice(0, 45) + "..." : label;
      select.appendChild(option);
    });
    select.value = chosen;
  }
  // A note's menu opens: its body is made from the page's template for this note
  // (its id in the URLs, which way it moves, spotlit or not, a move to undo or not).
  function fillMenu(menu) {
    var template = document.getElementById("note-menu-template");
    var card = menu.closest(".cnote");
    if (!template || !card || menu.querySelector(".note-menu__body")) return;
    var id = noteId(card);
    var body = template.content.firstElementChild.cloneNode(true);
    body.querySelectorAll("[action], [formaction]").forEach(function (el) {
      ["action", "formaction"].forEach(function (name) {
        var value = el.getAttribute(name);
        if (value) el.setAttribute(name, value.replace("NOTE", id));
      });
    });
    var to = menu.dataset.ringTo;
    body.querySelector('input[name="ring"]').value = to;
    var move = body.querySelector("[data-move]");
    move.dataset.move = to;
    move.textContent = to === "outer" ? move.dataset.labelOuter : move.dataset.labelInner;
    var spot = body.querySelector('button[formaction="spotlight"]');
    if (menu.hasAttribute("data-spot")) {
      spot.textContent = spot.dataset.labelOff;
      spot.classList.add("on");
    } else {
      spot.value = "note:" + id;
    }
    if (!menu.hasAttribute("data-moved")) body.querySelector("[data-undo-move]").remove();
    var text = card.querySelector(".postit__text");
    body.querySelector("textarea").value = text ? text.textContent : "";
    menu.appendChild(body);
    upgradeForms(body);
    htmx.process(body);
  }
  document.addEventListener("toggle", function (evt) {
    var menu = evt.target;
    if (menu.matches && menu.matches("details.note-menu") && menu.open) fillMenu(menu);
  }, true);
  // Moving a note without its menu (drag, or O / I on a focused note).
  function moveNote(card, ring) {
    htmx.ajax("POST", "notes/" + noteId(card) + "/move", { source: card, swap: "none", values: { ring: ring } });
  }
  ["focusin", "pointerdown", "mousedown"].forEach(function (type) {
    document.addEventListener(type, function (evt) {
      var select = evt.target.closest && evt.target.closest("select[data-merge-into]");
      if (select) fillMergeMenu(select);
    });
  });
})();
