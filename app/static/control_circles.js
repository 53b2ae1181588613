// The control view's sort phase as circles, like the board: the same note elements
// (#control-ring-inner, #control-ring-outer), laid out on the board's grid of cells in
// the inner and outer ellipse (app.js: cgCircles), each in its own slot (data-slot, as on
// the board). A note is dragged to the other circle (app.js: the drag, which asks
// cgSortRingAt which circle is under the pointer). "Circles" or "List" is remembered on
// this computer; the list is the keyboard's way (each note's menu, O / I).
(function () {
  "use strict";

  var KEY = "cg.sortView";
  var CX = 1000, CY = 500, OUTER = [985, 492], INNER = [735, 352];

  function chosen() {
    try { return localStorage.getItem(KEY) === "circles" ? "circles" : "list"; } catch (e) { return "list"; }
  }
  function remember(view) {
    try { localStorage.setItem(KEY, view); } catch (e) { /* private mode: this page only */ }
  }

  function notesIn(list) {
    return Array.prototype.filter.call(list.children, function (el) { return el.classList.contains("cnote"); });
  }

  function clear(board) {
    board.removeAttribute("data-dense");
    board.querySelectorAll(".cnote[style]").forEach(function (note) { note.removeAttribute("style"); });
  }

  // Each circle's notes in the cells of its ellipse, sized (as on the board) for every
  // note being in one circle, so that a move never resizes the others.
  function layout(board) {
    var lib = window.cgCircles;
    if (!lib || board.getAttribute("data-view") !== "circles") { clear(board); return; }
    var lists = board.querySelectorAll(".sort-list");
    var total = 0;
    lists.forEach(function (list) { total += notesIn(list).length; });
    var box = board.getBoundingClientRect();
    var sx = box.width / 2000, sy = box.height / 1000, dense = false;
    lists.forEach(function (list) {
      var inner = list.id === "control-ring-inner";
      var notes = notesIn(list);
      if (!notes.length) return;
      var placed = lib.slotsOf(notes);
      var need = Math.max(total, 1 + Math.max.apply(null, placed.map(function (p) { return p[1]; })));
      var width = inner ? 380 : 240;
      var spots = lib.cells(width, inner);
      while (spots.length < need && width > 20) {
        width *= 0.95;
        spots = lib.cells(width, inner);
      }
      var height = width / lib.aspect;
      // The text as large as the cell allows (about six characters a line, three lines).
      var font = Math.max(10, Math.min(14, Math.floor(Math.min(width * sx / 6, height * sy / 3.6))));
      if (width * sx < 90) dense = true;
      placed.forEach(function (pair) {
        var note = pair[0], index = pair[1], x, y;
        if (index < spots.length) { x = spots[index][0]; y = spots[index][1]; }
        else { x = 6 + (index % 10) * (width / 3); y = 6 + Math.floor(index / 10) * (height / 3); }
        note.style.left = (x / 20).toFixed(3) + "%";
        note.style.top = (y / 10).toFixed(3) + "%";
        note.style.width = (width / 20).toFixed(3) + "%";
        note.style.setProperty("--cell-h", (height / 10).toFixed(3) + "%");
        note.style.setProperty("--note-font", font + "px");
      });
    });
    board.toggleAttribute("data-dense", dense);
  }

  function boards() { return document.querySelectorAll("[data-sort-board]"); }

  function show(view) {
    boards().forEach(function (board) {
      board.setAttribute("data-view", view);
      layout(board);
    });
    document.querySelectorAll("[data-sort-view]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-sort-view") === view));
    });
    document.querySelectorAll(".sort-views").forEach(function (group) { group.setAttribute("data-view", view); });
  }

  // Which circle's drop zone lies under a point of the circles (null: outside them both).
  window.cgSortRingAt = function (board, x, y) {
    var box = board.getBoundingClientRect();
    var ux = (x - box.left) / box.width * 2000, uy = (y - box.top) / box.height * 1000;
    var within = function (r) { return Math.pow((ux - CX) / r[0], 2) + Math.pow((uy - CY) / r[1], 2) <= 1; };
    var ring = within(INNER) ? "inner" : within(OUTER) ? "outer" : null;
    return ring ? board.querySelector('[data-ring="' + ring + '"]') : null;
  };

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("[data-sort-view]");
    if (!button) return;
    var view = button.getAttribute("data-sort-view");
    remember(view);
    var before = window.scrollY;
    show(view);
    if (view === "circles") {  // the circles in view, at the same place on the page
      var board = document.querySelector("[data-sort-board]");
      if (board && board.getBoundingClientRect().top < 0) board.scrollIntoView({ block: "start" });
    } else if (window.scrollY !== before) {
      window.scrollTo(0, before);
    }
  });

  // A note clicked (not dragged) opens over its neighbours, until a click elsewhere or
  // Escape; it stays open when a live update re-renders it.
  var opened = null, down = null;
  function closeAll() {
    document.querySelectorAll(".cnote[data-open]").forEach(function (el) { el.removeAttribute("data-open"); });
    opened = null;
  }
  document.addEventListener("pointerdown", function (evt) { down = { x: evt.clientX, y: evt.clientY }; });
  document.addEventListener("click", function (evt) {
    var card = evt.target.closest && evt.target.closest(".cnote");
    var circles = card && card.closest('[data-sort-board][data-view="circles"]');
    if (circles) {
      var dragged = down && Math.abs(evt.clientX - down.x) + Math.abs(evt.clientY - down.y) >= 8;
      if (!dragged && !card.hasAttribute("data-open")) {
        closeAll();
        card.setAttribute("data-open", "");
        opened = card.id;
      }
      return;
    }
    if (!(evt.target.closest && evt.target.closest("[data-sort-view]"))) closeAll();
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape" || !opened) return;
    var card = document.getElementById(opened);
    closeAll();
    if (!card) return;
    card.setAttribute("data-shut", "");  // shut, with the keyboard still on it
    card.focus();
  });
  document.addEventListener("focusout", function (evt) {
    var card = evt.target.closest && evt.target.closest(".cnote[data-shut]");
    if (card && !card.contains(evt.relatedTarget)) card.removeAttribute("data-shut");
  });
  document.addEventListener("cg:liveAfter", function () {
    var card = opened && document.getElementById(opened);
    if (card && card.classList.contains("cnote")) card.setAttribute("data-open", "");
    else opened = null;
  });

  // Un-merge, on a note listed as merged into another: posts notes/ID/unmerge (the page's
  // URL is /rooms/CODE/control), and the answer puts the note back in its circle.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("button[data-unmerge]");
    var item = button && button.closest("li[id^='control-note-']");
    if (!item) return;
    var id = item.id.replace(/^control-note-/, "");
    htmx.ajax("POST", "notes/" + id + "/unmerge", { source: button, swap: "none" });
  });

  // A phase change or a reconnect brings the task block whole (in the list view): the
  // view chosen is put back; a live note is put in its cell.
  function again() {
    var view = chosen();
    boards().forEach(function (board) {
      if (board.getAttribute("data-view") !== view) show(view);
      else layout(board);
    });
  }
  document.addEventListener("cg:liveAfter", again);
  document.addEventListener("htmx:afterSettle", again);
  window.addEventListener("resize", function () { boards().forEach(layout); });
  document.addEventListener("DOMContentLoaded", function () { show(chosen()); });
  window.cgSortLayout = again;  // for the tests
})();
