// Common Ground: an honest connection pill.
// A socket can look open long after the network has gone (Wi-Fi out of range, a
// laptop asleep): the page sends a tiny "ping" over its live channel every few
// seconds and the server answers "pong". Nothing heard for STALE_MS → "Reconnecting…";
// the browser saying it went offline → at once. Anything heard again → "Live".
(function () {
  "use strict";

  var PING_MS = 4000;
  var STALE_MS = 9000;
  var socket = null;
  var lastHeard = 0;
  var stale = false;

  function state() { return document.documentElement.dataset.connection || ""; }

  function say(to) {
    if (typeof window.cgConnection === "function") window.cgConnection(to);
  }

  var create = htmx.createWebSocket;
  htmx.createWebSocket = function (url) {
    socket = create(url);
    lastHeard = Date.now();
    return socket;
  };

  function heard() {
    lastHeard = Date.now();
    if (stale && state() === "offline" && socket && socket.readyState === WebSocket.OPEN) {
      stale = false;
      say("online");
    }
  }

  function ping() {
    if (socket && socket.readyState === WebSocket.OPEN) {
      try { socket.send("ping"); } catch (e) { /* closing: the close event says so */ }
    }
  }

  function check() {
    if (!socket || socket.readyState !== WebSocket.OPEN || state() === "ended") return;
    if (Date.now() - lastHeard > STALE_MS && state() === "online") {
      stale = true;
      say("offline");
    }
  }

  document.addEventListener("htmx:wsOpen", function () { stale = false; lastHeard = Date.now(); });
  document.addEventListener("htmx:wsAfterMessage", heard);
  window.addEventListener("offline", function () {
    if (state() === "online") { stale = true; say("offline"); }
  });
  window.addEventListener("online", ping);
  setInterval(ping, PING_MS);
  setInterval(check, 1000);
})();
