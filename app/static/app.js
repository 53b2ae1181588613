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
})();
