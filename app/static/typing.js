// Common Ground: a live character count under every field people type text into.
// A textarea with `maxlength` shows "n / limit"; one with `data-line-limit` (the
// goals, one per line) counts its longest line. The count is visible and linked
// to the field (aria-describedby); screen readers are told only when the limit
// is near (a polite live region), not at every key.
(function () {
  "use strict";

  var NEAR = 0.9;

  // The words come from the page (data-* on <body>), in the page's language.
  function say(name, fallback, values) {
    var text = (document.body && document.body.dataset[name]) || fallback;
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? values[key] : all;
    });
  }
  function number(n) {
    try { return n.toLocaleString(document.documentElement.lang || "en-GB"); }
    catch (e) { return String(n); }
  }

  function limitOf(field) {
    return Number(field.getAttribute("maxlength") || field.getAttribute("data-line-limit")) || 0;
  }

  function used(field) {
    // Characters as the server counts them (code points, not UTF-16 units).
    if (field.hasAttribute("data-line-limit")) {
      return field.value.split("\n").reduce(function (most, line) {
        return Math.max(most, Array.from(line.trim()).length);
      }, 0);
    }
    return Array.from(field.value).length;
  }

  function counterOf(field) {
    var next = field.nextElementSibling;
    if (next && next.classList.contains("char-count") && next.dataset.for === field.id) return next;
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.dataset.for = field.id;
    counter.id = field.id + "-count";
    var shown = document.createElement("span");
    shown.className = "char-count__shown";
    var spoken = document.createElement("span");
    spoken.className = "visually-hidden";
    spoken.setAttribute("aria-live", "polite");
    counter.appendChild(shown);
    counter.appendChild(spoken);
    field.insertAdjacentElement("afterend", counter);
    var described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (described.indexOf(counter.id) < 0) described.push(counter.id);
    field.setAttribute("aria-describedby", described.join(" "));
    return counter;
  }

  function update(field) {
    var limit = limitOf(field);
    if (!limit || !field.id) return;
    var counter = counterOf(field);
    var count = used(field);
    var values = { used: number(count), limit: number(limit) };
    counter.querySelector(".char-count__shown").textContent = field.hasAttribute("data-line-limit")
      ? say("charsLine", "longest line {used} / {limit} characters", values)
      : say("chars", "{used} / {limit} characters", values);
    var near = count >= Math.floor(limit * NEAR);
    counter.classList.toggle("char-count--near", near);
    counter.classList.toggle("char-count--over", count > limit);
    var spoken = counter.querySelector("[aria-live]");
    var left = limit - count;
    var told = !near ? ""
      : left > 0 ? say("charsLeft", "{left} characters left", { left: number(left) })
      : left === 0 ? say("charsReached", "Character limit reached", {})
      : say("charsOver", "{over} characters over the limit", { over: number(-left) });
    if (spoken.textContent !== told) spoken.textContent = told;
  }

  function all(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("textarea[maxlength], textarea[data-line-limit]").forEach(update);
  }

  document.addEventListener("input", function (evt) {
    var el = evt.target;
    if (el.matches && el.matches("textarea[maxlength], textarea[data-line-limit]")) update(el);
  });
  document.addEventListener("DOMContentLoaded", function () { all(document); });
  document.addEventListener("htmx:oobAfterSwap", function () { all(document); });
  document.addEventListener("cg:liveAfter", function () { all(document); });
  document.addEventListener("htmx:afterRequest", function () { all(document); });
  window.cgCountCharacters = all;
})();
