// Common Ground, the phone: say what changed.
// - a new step: scroll to the top and show "New step: …" (a live region, so screen
//   readers hear it too);
// - writing closed (a locking timer at 0:00): the writing fields and buttons are
//   disabled, the reason shown above them; what was typed stays in the fields;
// - removed from the room (or the room deleted): one clear message instead of the page.
(function () {
  "use strict";

  var BANNER_MS = 6000;

  // The words come from the page (data-* on .phone), in the page's language.
  function words(name, fallback) {
    var phone = document.querySelector(".phone");
    return (phone && phone.dataset[name]) || fallback;
  }

  // ---- A new step -------------------------------------------------------------
  function currentPhase() {
    var section = document.getElementById("phone-phase");
    return section ? { id: section.dataset.phase, title: section.dataset.title } : null;
  }

  var shownPhase = null;
  var bannerTimer = null;

  function showBanner(text) {
    var banner = document.getElementById("step-banner");
    if (!banner) return;
    banner.hidden = false;
    banner.textContent = "";
    // Emptied, then filled: a live region announces the change even when the text repeats.
    setTimeout(function () { banner.textContent = text; }, 30);
    banner.dataset.visible = "true";
    clearTimeout(bannerTimer);
    bannerTimer = setTimeout(function () { banner.dataset.visible = "false"; }, BANNER_MS);
  }

  function checkPhase() {
    var now = currentPhase();
    if (!now || !now.id) return;
    if (shownPhase && shownPhase !== now.id) {
      window.scrollTo({ top: 0, left: 0, behavior: "instant" });
      showBanner(words("newStep", "New step: {title}").replace("{title}", now.title));
    }
    shownPhase = now.id;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var now = currentPhase();
    shownPhase = now ? now.id : null;
  });
  document.addEventListener("cg:liveAfter", checkPhase);

  // ---- Writing closed -----------------------------------------------------------
  // Forms that write (notes, their edits, grid statements, ratings): what a locking
  // timer at 0:00 refuses (409 time_up).
  var WRITES = /\/(notes|contributions|ratings)(\/[^/]+)?(\/edit)?$/;

  function writingClosed() {
    var timer = document.querySelector("#phone-phase .timer");
    if (!timer || !timer.querySelector(".timer__lock")) return false;
    if (timer.classList.contains("timer--up")) return true;
    if (!timer.dataset.endsAt) return Number(timer.dataset.left) === 0;
    return Date.parse(timer.dataset.endsAt) - Date.now() <= 0;
  }

  function writingForms() {
    return Array.prototype.filter.call(
      document.querySelectorAll("#phone-task form"),
      function (form) {
        var action = form.getAttribute("action") || "";
        return WRITES.test(action) && !/\/delete$/.test(action);
      }
    );
  }

  function applyClosed() {
    var closed = writingClosed();
    var task = document.getElementById("phone-task");
    if (!task) return;
    writingForms().forEach(function (form) {
      form.querySelectorAll("textarea, input:not([type=hidden]), button").forEach(function (el) {
        if (closed && !el.disabled) {
          el.disabled = true;
          el.dataset.closedByTimer = "1";
        } else if (!closed && el.dataset.closedByTimer) {
          el.disabled = false;
          delete el.dataset.closedByTimer;
        }
      });
    });
    var notice = document.getElementById("writing-closed");
    if (closed && !notice) {
      notice = document.createElement("p");
      notice.id = "writing-closed";
      notice.className = "writing-closed";
      notice.setAttribute("role", "status");
      notice.textContent = task.querySelector("textarea")
        ? words("writingClosed", "Time is up: the facilitator closed writing. What you typed is kept here.")
        : words("answersClosed", "Time is up: the facilitator closed answering. Your answers so far are saved.");
      task.insertBefore(notice, task.firstChild);
    } else if (!closed && notice) {
      notice.remove();
    }
    document.documentElement.dataset.writing = closed ? "closed" : "open";
  }

  setInterval(applyClosed, 1000);
  document.addEventListener("DOMContentLoaded", applyClosed);
  document.addEventListener("cg:liveAfter", applyClosed);
  document.addEventListener("htmx:oobAfterSwap", applyClosed);

  // ---- Removed, or the room deleted: one message, nothing else ----------------------
  var ENDED = {
    4403: ["removed", "You were removed from this session", "removedText",
      "This phone no longer takes part. If that was a mistake, ask the facilitator to let you join again."],
    4404: ["deleted", "This session has ended", "deletedText",
      "The facilitator deleted the room. Thank you for taking part."],
    4401: ["rejoin", "Please join again", "rejoinText",
      "This phone's place in the session is no longer valid."]
  };

  function showEnded(code) {
    var said = ENDED[code];
    var phone = document.querySelector(".phone");
    if (!said || !phone || document.getElementById("phone-ended")) return;
    Array.prototype.forEach.call(phone.children, function (child) { child.hidden = true; });
    var panel = document.createElement("section");
    panel.id = "phone-ended";
    panel.className = "phone__ended card";
    panel.setAttribute("role", "alert");
    var heading = document.createElement("h1");
    heading.className = "phone__title";
    heading.textContent = words(said[0], said[1]);
    var text = document.createElement("p");
    text.textContent = words(said[2], said[3]);
    var again = document.createElement("a");
    again.className = "button button--primary button--wide";
    again.href = "/join";
    again.textContent = words("join", "Join a session");
    panel.appendChild(heading);
    panel.appendChild(text);
    if (code !== 4404) panel.appendChild(again);
    phone.appendChild(panel);
    window.scrollTo({ top: 0, left: 0, behavior: "instant" });
  }

  document.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail && evt.detail.event ? evt.detail.event.code : 0;
    showEnded(code);
  });
})();
