// Roost: the file of the script tag. It installs analytics, which keeps the
// calls made to it, and loads the rest (roost-page.js) after the page's load
// event, so that Roost never delays it; roost-page.js then makes the calls.
//
//   <script src="/roost/roost.js" data-site-id="example"></script>
//
// data-site-id: the site id of the Roost server (required).
// data-endpoint: the server's origin (default: the origin of this script).
// See roost.d.ts for the page API.
(function () {
  "use strict";
  var analytics = window.analytics;
  // a second tag changes nothing
  if (analytics && analytics._roost) return;
  // calls queued before this tag: [[method, ...args]]
  var queued = Array.isArray(analytics) ? analytics : [];
  analytics = window.analytics = analytics && typeof analytics === "object" && !Array.isArray(analytics) ? analytics : {};
  var script = document.currentScript;
  var base = script ? script.src.replace(/[^/]*([?#].*)?$/, "") : "/roost/";
  // version names the build of the runtime's other files; `make runtime`
  // stamps it (tools/precompress), and their URLs carry it so that a server
  // may cache them for good. Empty in an unstamped copy.
  var version = "";
  // calls: [target, method, args, resolve, reject], which roost-page.js makes
  var calls = [];
  var failed = null;
  analytics._roost = { script: script, base: base, version: version, queued: queued, calls: calls };

  // later is a method that keeps its call for roost-page.js; a promise one
  // returns a Promise of the call's result, any other its target.
  function later(target, method, promise) {
    return function () {
      var call = [target, method, Array.prototype.slice.call(arguments)];
      if (!promise) return failed ? target : (calls.push(call), target);
      return new Promise(function (resolve, reject) {
        if (failed) return reject(failed);
        calls.push(call.concat([resolve, reject]));
      });
    };
  }
  ["identify", "reset", "on", "off"].forEach(function (m) { analytics[m] = later(analytics, m); });
  analytics.inbox = function () {
    // roost-page.js makes it the view
    var inbox = {};
    calls.push([inbox, "inbox", Array.prototype.slice.call(arguments)]);
    ["messages", "total", "totalUnopened", "markAllOpened"].forEach(function (m) { inbox[m] = later(inbox, m, true); });
    inbox.onUpdates = function (cb) {
      var call = [inbox, "onUpdates", [cb]];
      calls.push(call);
      return function () { call.off ? call.off() : (call.cancelled = true); };
    };
    return inbox;
  };

  function load() {
    var el = document.createElement("script");
    el.src = base + "roost-page.js" + (version ? "?v=" + version : "");
    if (script && script.nonce) el.nonce = script.nonce;
    el.onerror = function () {
      failed = new Error("roost: " + el.src + " could not be loaded");
      console.error(failed.message);
      calls.splice(0).forEach(function (c) { if (c[4]) c[4](failed); });
    };
    (document.head || document.documentElement).appendChild(el);
  }
  if (document.readyState === "complete") setTimeout(load, 0);
  else window.addEventListener("load", function () { setTimeout(load, 0); });
})();
