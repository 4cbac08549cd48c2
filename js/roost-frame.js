// Roost frame: hosts the runtime for a page of another origin (frame mode,
// docs/protocol.md). It starts the worker on this origin, says ready to the
// page, takes the port the page answers with, and relays the op protocol
// verbatim, except the tab's lock, bye and the worker's lock, which it
// handles itself: when the worker dies it starts one and tells the page "revived".
(function () {
  "use strict";
  if (window.parent === window) return; // opened on its own: no page to serve
  var script = document.currentScript;
  var v = script && /[?&]v=([0-9a-f]+)/.exec(script.src);
  var url = "roost-worker.js" + (v ? "?v=" + v[1] : "");
  var locks = navigator.locks && typeof navigator.locks.request === "function" ? navigator.locks : null;
  var worker = null; // the worker's port, or the dedicated Worker
  var page = null; // the page's port
  var toPage = []; // what came for the page before its port
  var held = false; // after a revive until the page's init: the page's ops went to the dead worker
  var tabLock = "";
  var workerLock = "";

  function post(json) {
    if (page) page.postMessage(json);
    else toPage.push(json);
  }

  function fromWorker(e) {
    if (typeof e.data !== "string") return;
    if (e.data.lastIndexOf('{"op":"worker"', 0) === 0) watch(JSON.parse(e.data).lock);
    else post(e.data);
  }

  function fromPage(e) {
    if (typeof e.data !== "string") return;
    if (held && e.data.lastIndexOf('{"op":"init"', 0) !== 0) return;
    held = false;
    if (worker) worker.postMessage(e.data);
  }

  function failed(error) {
    post(JSON.stringify({ op: "failed", error: String(error) }));
  }

  // connect starts the runtime's worker, or joins the running SharedWorker.
  // A browser that blocks this origin's storage (all cookies blocked)
  // refuses it a SharedWorker; a dedicated Worker may still run.
  var dedicated = typeof SharedWorker !== "function";
  function connect() {
    var shared = !dedicated;
    try {
      var w = shared ? new SharedWorker(url, { name: "roost" }) : new Worker(url, { name: "roost" });
      w.onerror = function (e) {
        if (shared && worker === w.port) { dedicated = true; restart(); }
        else failed((e && e.message) || "the worker script " + url + " failed to load");
      };
      worker = shared ? w.port : w;
      worker.onmessage = fromWorker;
      if (shared) worker.start();
    } catch (err) {
      failed(err);
      return false;
    }
    if (tabLock) worker.postMessage(JSON.stringify({ op: "lock", lock: tabLock }));
    return true;
  }

  // watch asks for the worker's lock: the browser grants it once the worker is gone.
  function watch(name) {
    if (!locks || name === workerLock) return;
    workerLock = name;
    locks.request(name, function () {
      if (workerLock === name) restart(); // returning hands the lock on to the next frame
    }).catch(function () {});
  }

  // restart starts a new worker, and has the page tell it its state.
  function restart() {
    worker.onmessage = null;
    (worker.terminate || worker.close).call(worker);
    if (!connect()) return;
    held = true;
    post('{"op":"revived"}');
  }

  window.addEventListener("message", function (e) {
    if (e.source !== window.parent || page || e.data !== '{"op":"connect"}' || !e.ports || !e.ports[0]) return;
    page = e.ports[0];
    page.onmessage = fromPage;
    toPage.splice(0).forEach(function (json) { page.postMessage(json); });
  });
  // A page kept in the back/forward cache keeps its frame; one that is gone says bye.
  window.addEventListener("pagehide", function (e) {
    if (!e.persisted && worker) worker.postMessage('{"op":"bye"}');
  });
  // The tab's lock, which the runtime asks for too: granted once the tab (and this frame) is gone.
  if (locks) {
    var name = "roost-tab-" + (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
    locks.request(name, function () {
      tabLock = name;
      if (worker) worker.postMessage(JSON.stringify({ op: "lock", lock: name }));
      return new Promise(function () {});
    }).catch(function () {});
  }
  connect();
  window.parent.postMessage('{"op":"ready"}', "*");
})();
