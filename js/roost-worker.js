// Roost runtime worker: hosts the Go module for every tab of this origin
// (SharedWorker) or for one tab (dedicated Worker). Ports are numbered; Go
// receives each tab's messages through roostReceive(port, json) and answers
// through roostPost(port, json). Messages that arrive before Go is ready wait.
// roostDedicated tells Go it serves one tab: it then shares polling with the
// other tabs' workers (Web Locks and a BroadcastChannel).
"use strict";
var ports = {};
var nextPort = 1;
var ready = false;
var waiting = [];

function receive(id, data) {
  if (typeof data !== "string") return;
  if (ready) self.roostReceive(id, data);
  else waiting.push([id, data]);
}

function attach(port) {
  var id = nextPort++;
  ports[id] = port;
  port.onmessage = function (e) {
    receive(id, e.data);
    if (e.data === '{"op":"bye"}') delete ports[id];
  };
  if (port.start) port.start();
  if (lock) announce(port);
}

// The worker holds a Web Lock while it lives and names it to each tab: the
// browser grants the tabs' requests for it once the worker is gone (it died
// with its renderer process), and they start a new one.
var lock = "";
function announce(port) {
  port.postMessage(JSON.stringify({ op: "worker", lock: lock }));
}
(function () {
  if (!self.navigator || !navigator.locks || typeof navigator.locks.request !== "function") return;
  var id = "roost-worker-" + (self.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
  navigator.locks.request(id, function () {
    lock = id;
    Object.keys(ports).forEach(function (p) { announce(ports[p]); });
    return new Promise(function () {});
  }).catch(function () {});
})();

// Set synchronously, before the module loads, so no connection is missed.
if (typeof SharedWorkerGlobalScope !== "undefined" && self instanceof SharedWorkerGlobalScope) {
  self.onconnect = function (e) { attach(e.ports[0]); };
} else {
  self.roostDedicated = true;
  attach(self);
}

self.roostPost = function (id, json) {
  var port = ports[id];
  if (port) port.postMessage(json);
};

// The runtime calls this when a tab is gone without a bye (its Web Lock came free).
self.roostClose = function (id) {
  delete ports[id];
};

self.roostReady = function () {
  ready = true;
  var queued = waiting;
  waiting = [];
  queued.forEach(function (m) { self.roostReceive(m[0], m[1]); });
};

function fail(err) {
  var msg = JSON.stringify({ op: "emit", name: "message-error", data: { error: "roost: the runtime failed to start: " + err } });
  Object.keys(ports).forEach(function (id) { ports[id].postMessage(msg); });
}

try {
  // The shim loads this script as roost-worker.js?v=<version> in a stamped
  // build: the files it loads carry the same version.
  var version = /[?&]v=([0-9a-f]+)/.exec(self.location.search);
  var suffix = version ? "?v=" + version[1] : "";
  importScripts("wasm_exec.js" + suffix);
  var go = new Go();
  WebAssembly.instantiateStreaming(fetch("roost.wasm" + suffix), go.importObject)
    .then(function (r) { return go.run(r.instance); })
    .catch(fail);
} catch (err) {
  fail(err);
}
