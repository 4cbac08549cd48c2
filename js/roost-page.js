/*! Roost's page script: the page API (analytics.identify/reset/inbox/on/off)
 * and the Roost runtime (Go compiled to WebAssembly), started in a
 * SharedWorker, or a dedicated Worker where SharedWorker is missing. roost.js,
 * the file of the page's script tag, loads it after the page's load event and
 * hands over what the page called meanwhile (analytics._roost).
 *
 * Loaded from another origin (the server's), it runs the worker in a hidden
 * frame of that origin: "frame mode" (roost.d.ts).
 */
(function () {
  "use strict";
  // The tag's file (roost.js) hands over its script element, the directory
  // and build version of the runtime's files, and the calls it kept.
  var analytics = window.analytics;
  var handoff = analytics && analytics._roost;
  if (!handoff) {
    console.error("roost: roost-page.js is loaded by roost.js: name roost.js in the page's script tag");
    return;
  }
  if (handoff.loaded) return;
  handoff.loaded = true;
  var script = handoff.script;
  var base = handoff.base;
  var version = handoff.version;
  var versioned = function (name) { return base + name + (version ? "?v=" + version : ""); };
  var origin = new URL(base, location.href).origin;
  var config = {
    siteId: (script && script.getAttribute("data-site-id")) || "",
    endpoint: ((script && script.getAttribute("data-endpoint")) || origin).replace(/\/$/, "")
  };
  // frame mode: this page may not start a worker of the files' origin
  var framed = origin !== location.origin && config.endpoint === origin;

  // ---- transport to the runtime -------------------------------------------
  // port: the worker's, or in frame mode a MessageChannel to the frame.
  var port = null;
  var outbox = [];
  var nextRid = 1;
  var pending = {};

  function send(msg) {
    var json = JSON.stringify(msg);
    if (port) port.postMessage(json);
    else outbox.push(json);
  }

  function attach(p) {
    port = p;
    p.onmessage = onMessage;
    if (p.start) p.start();
    outbox.splice(0).forEach(function (json) { p.postMessage(json); });
  }

  var broken = "";

  function call(msg) {
    if (broken) return Promise.reject(new Error(broken));
    return new Promise(function (resolve, reject) {
      msg.rid = nextRid++;
      pending[msg.rid] = { resolve: resolve, reject: reject };
      send(msg);
    });
  }

  function onMessage(e) {
    var msg;
    try { msg = JSON.parse(e.data); } catch (err) { return; }
    if (msg.op === "reply") {
      var p = pending[msg.rid];
      delete pending[msg.rid];
      if (p) msg.error ? p.reject(new Error(msg.error)) : p.resolve();
    } else if (msg.op === "snapshot") {
      var view = views[msg.view];
      if (view) view._update(msg.snapshot);
    } else if (msg.op === "emit") {
      emit(msg.name, msg.data);
    } else if (msg.op === "inapp") {
      showInApp(msg.message);
    } else if (msg.op === "worker") {
      watchWorker(msg.lock);
    } else if (msg.op === "revived") {
      replay(); // the frame started a new worker
    } else if (msg.op === "failed") {
      failed(msg.error);
    }
  }

  function locks() {
    var l = navigator.locks;
    return l && typeof l.request === "function" ? l : null;
  }

  // A worker dies with its renderer process (a SharedWorker's is often that of
  // the tab that started it). It holds a Web Lock while it lives and names it;
  // once the browser grants the tab that lock, the tab starts a new worker (tabs
  // that notice together get the same SharedWorker) and tells it its state.
  // In frame mode the frame does this, and says "revived".
  var workerLock = "";
  function watchWorker(name) {
    if (!locks() || name === workerLock) return;
    workerLock = name;
    locks().request(name, function () {
      if (workerLock === name) revive(); // returning hands the lock on to the next tab
    }).catch(function () {});
  }

  function revive() {
    port.onmessage = null;
    (port.terminate || port.close).call(port);
    port = null;
    if (connect()) replay();
  }

  // replay tells a new runtime what this tab told the one that died.
  function replay() {
    settle("roost: the runtime stopped (its worker died) before answering; it was restarted, try again");
    hello();
    if (route !== null) send({ op: "route", path: route });
    if (inAppListening) send({ op: "inapp", listening: true });
    if (identity) send(identity);
    // resume: no empty snapshot before the new runtime's first poll answer
    Object.keys(views).forEach(function (id) { send({ op: "view", view: +id, filter: views[id]._filter, resume: true }); });
    if (tabLock) send({ op: "lock", lock: tabLock });
  }

  // settle rejects every call waiting for an answer.
  function settle(error) {
    Object.keys(pending).forEach(function (rid) {
      pending[rid].reject(new Error(error));
      delete pending[rid];
    });
  }

  // failed reports a runtime that cannot run, and settles every waiting call.
  function failed(reason) {
    settle(broken = "roost: the runtime cannot start: " + reason);
    emit("message-error", { error: broken });
  }

  // connect starts the runtime's worker, or joins the running SharedWorker.
  // A browser that blocks the origin's cookies refuses it a SharedWorker,
  // not a dedicated Worker.
  var dedicated = typeof SharedWorker !== "function";
  function connect() {
    var url = versioned("roost-worker.js");
    var shared = !dedicated;
    try {
      var worker = shared ? new SharedWorker(url, { name: "roost" }) : new Worker(url, { name: "roost" });
      worker.onerror = function (e) {
        if (shared && port === worker.port) { dedicated = true; revive(); }
        else failed((e && e.message) || "the worker script " + url + " failed to load");
      };
      attach(shared ? worker.port : worker);
    } catch (err) {
      failed(err);
      return false;
    }
    return true;
  }

  // frame adds the frame, which says ready and is given a port; a page the
  // site does not allow gets no frame (frame-ancestors), so hears nothing.
  function frame() {
    var el = document.createElement("iframe");
    el.hidden = true;
    el.tabIndex = -1;
    el.title = "Roost";
    el.setAttribute("aria-hidden", "true");
    el.src = base + "roost-frame.html?site=" + encodeURIComponent(config.siteId) + (version ? "&v=" + version : "");
    window.addEventListener("message", function ready(e) {
      if (e.source !== el.contentWindow || e.origin !== origin || e.data !== '{"op":"ready"}') return;
      window.removeEventListener("message", ready);
      var channel = new MessageChannel();
      el.contentWindow.postMessage('{"op":"connect"}', origin, [channel.port2]);
      attach(channel.port1);
    });
    el.onload = function () { el.onload = null; setTimeout(refused, 2000); };
    (document.body || document.documentElement).appendChild(el);
  }

  // refused reports a frame that is not ready (a late one still works).
  function refused() {
    if (port) return;
    var error = "roost: the Roost server " + origin + " does not let pages of " + location.origin + " embed the runtime of site \"" +
      config.siteId + "\": add " + location.origin + " to that site's allowed page origins on the server (and check data-site-id)";
    console.error(error);
    emit("identity-error", { user: identity ? identity.user : "", status: 403, reason: "origin", error: error });
  }

  function start() {
    if (framed) return frame();
    holdTabLock();
    connect();
  }

  function visible() {
    send({ op: "visible", visible: document.visibilityState !== "hidden" });
  }
  function hello() {
    send({ op: "init", endpoint: config.endpoint, siteId: config.siteId });
    visible();
  }
  hello();
  document.addEventListener("visibilitychange", visible);
  // A page kept in the back/forward cache keeps its port; one that is gone
  // says bye (in frame mode, the frame).
  window.addEventListener("pagehide", function (e) { if (!e.persisted && !framed) send({ op: "bye" }); });
  // A tab that dies without a bye (a crash, a page dropped from the back/forward
  // cache) must not count as visible forever: it holds a Web Lock while it lives
  // and names it to the runtime, which the browser hands the lock once the tab
  // is gone. In frame mode, the frame: locks are per storage partition.
  var tabLock = "";
  function holdTabLock() {
    if (!locks()) return;
    var name = "roost-tab-" + (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
    locks().request(name, function () {
      send({ op: "lock", lock: tabLock = name });
      return new Promise(function () {});
    }).catch(function () {});
  }

  // afterLoad runs fn once the page's own load event is over: what Roost
  // loads never delays it.
  function afterLoad(fn) {
    if (document.readyState === "complete") setTimeout(fn, 0);
    else window.addEventListener("load", function () { setTimeout(fn, 0); });
  }
  afterLoad(start);

  // ---- events --------------------------------------------------------------
  var listeners = {};

  // each calls every callback of list with data: one that throws is
  // reported with console.error and does not stop the others.
  function each(list, data) {
    list.slice().forEach(function (cb) {
      try { cb(data); } catch (err) { console.error("roost: a listener threw:", err); }
    });
  }

  function emit(name, data) {
    each(listeners[name] || [], data);
  }

  // after runs p, then emits name with data once it resolves.
  function after(p, name, data) {
    return p.then(function () { emit(name, data); });
  }

  function checkCallback(cb, where) {
    if (typeof cb !== "function") throw new TypeError(where + ": the callback must be a function, got " + typeof cb);
  }

  function checkEvent(name, cb, where) {
    if (typeof name !== "string") throw new TypeError(where + ": the event name must be a string, got " + typeof name);
    checkCallback(cb, where);
  }

  /**
   * analytics.on(event, cb): listen for a Roost event: "message-error",
   * "identity-error", "identity-expiring", "storage-error", "inbox:updated", "inbox:message-opened",
   * "in-app:message-opened", "in-app:message-dismissed", "in-app:message-action",
   * or "in-app-message" (cb gets {messageId, deliveryId, properties, type,
   * topics, priority, dismiss(), trackClick(action)}; only a page with such a
   * listener is given in-app messages). See roost.d.ts.
   */
  analytics.on = function (name, cb) {
    checkEvent(name, cb, "analytics.on");
    (listeners[name] = listeners[name] || []).push(cb);
    listenersChanged();
    return analytics;
  };

  /** analytics.off(event, cb): stop listening. */
  analytics.off = function (name, cb) {
    checkEvent(name, cb, "analytics.off");
    listeners[name] = (listeners[name] || []).filter(function (x) { return x !== cb; });
    listenersChanged();
    return analytics;
  };

  // ---- identity ------------------------------------------------------------
  var identity = null; // the last identify op, told again to a new runtime
  function kind(v) { return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v; }
  function plainObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }

  /**
   * analytics.identify(id, attributes?, {signature}?): the person whose
   * messages this page shows. attributes: merged into the person's on the
   * server ({{customer.*}} in templates; null removes one). signature: the
   * id's signature from the site's backend (required when the server signs
   * identities), or an identity token that expires ("identity-expiring" asks
   * for a fresh one); a refusal is an "identity-error" event. Without one, an
   * identify of this tab's person keeps this tab's signature.
   */
  analytics.identify = function (id, attributes, options) {
    if (typeof id === "number") id = String(id);
    if (typeof id !== "string" || id === "") throw new TypeError("analytics.identify: the id must be a non-empty string");
    if (attributes !== undefined && attributes !== null && !plainObject(attributes)) {
      throw new TypeError("analytics.identify: the attributes must be an object such as {first_name: \"Ann\"}, got " + kind(attributes));
    }
    if (options !== undefined && !plainObject(options)) {
      throw new TypeError("analytics.identify: the options must be an object such as {signature: \"...\"}, got " + kind(options));
    }
    var msg = { op: "identify", user: id };
    if (attributes && Object.keys(attributes).length > 0) {
      var json = JSON.stringify(attributes); // throws a TypeError for a cycle or a BigInt
      if (json.length > 16384) throw new RangeError("analytics.identify: the attributes take " + json.length + " characters of JSON, over the limit of 16384");
      msg.attributes = JSON.parse(json);
    }
    if (options && options.signature !== undefined) {
      if (typeof options.signature !== "string" || options.signature === "") {
        throw new TypeError("analytics.identify: the signature must be a non-empty string (the id's signature from your backend), got " +
          (options.signature === "" ? "an empty string" : typeof options.signature));
      }
      msg.signature = options.signature;
    } else if (identity && identity.user === id && identity.signature) {
      msg.signature = identity.signature; // this tab's own, kept: a new runtime is told it too (replay)
    }
    send(identity = msg);
    return analytics;
  };

  /** analytics.reset(): forget the identified person. */
  analytics.reset = function () {
    identity = null;
    send({ op: "reset" });
    return analytics;
  };

  // ---- inbox ---------------------------------------------------------------
  var views = {};
  var nextView = 1;

  function stringList(value, what) {
    if (value === undefined) return [];
    if (!Array.isArray(value)) value = [value];
    value.forEach(function (v) {
      if (typeof v !== "string") throw new TypeError("analytics.inbox: each " + what + " must be a string, got " + (v === null ? "null" : typeof v));
    });
    return value.slice();
  }

  // ---- HTML fields -----------------------------------------------------------
  // Message content is text, except fields whose name ends in "_html": their
  // HTML is cut down to formatting (b, i, em, strong, u, s, small, br, p, ul,
  // ol, li, blockquote, code, pre, span, h1-h6, hr, and a with a safe href),
  // parsed by the browser itself (DOMParser runs nothing and loads nothing).
  // Whatever message data put there, no script can run from it.
  var KEEP = /^(B|I|EM|STRONG|U|S|SMALL|BR|P|UL|OL|LI|BLOCKQUOTE|CODE|PRE|SPAN|H[1-6]|HR|A)$/;
  var DROP = /^(SCRIPT|STYLE|TEMPLATE|IFRAME|FRAME|FRAMESET|OBJECT|EMBED|SVG|MATH|NOSCRIPT|NOEMBED|NOFRAMES|XMP|TEXTAREA|TITLE|SELECT|OPTION|PLAINTEXT|IMG|VIDEO|AUDIO|SOURCE|PICTURE|CANVAS|LINK|META|BASE|FORM|INPUT|BUTTON)$/;
  var sanitized = new Map();

  /** safeURL(u): whether u is http, https, mailto or relative, read as a browser reads it. */
  function safeURL(u) {
    u = String(u).replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
    var m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(u);
    return !m || /^(https?|mailto)$/i.test(m[1]);
  }

  function cleanNode(node) {
    Array.prototype.slice.call(node.childNodes).forEach(function (c) {
      if (c.nodeType === 3) return; // text
      if (c.nodeType !== 1 || DROP.test(c.nodeName)) { c.remove(); return; }
      cleanNode(c);
      if (!KEEP.test(c.nodeName)) { c.replaceWith.apply(c, Array.prototype.slice.call(c.childNodes)); return; }
      var href = c.nodeName === "A" ? c.getAttribute("href") : null;
      Array.prototype.slice.call(c.attributes).forEach(function (a) { c.removeAttribute(a.name); });
      if (href !== null && safeURL(href)) {
        c.setAttribute("href", href);
        c.setAttribute("rel", "noopener noreferrer");
      }
    });
  }

  /** sanitizeHTML(html): html with only formatting left (see above). */
  function sanitizeHTML(html) {
    if (sanitized.has(html)) return sanitized.get(html);
    var body = new DOMParser().parseFromString("<!doctype html><body>" + html, "text/html").body;
    cleanNode(body);
    var out = body.innerHTML;
    if (sanitized.size > 500) sanitized.clear();
    sanitized.set(html, out);
    return out;
  }

  /** safeProperties(p): the rendered content with its *_html fields sanitized, at any depth. */
  function safeProperties(p, key) {
    if (typeof p === "string") return /_html$/.test(key || "") ? sanitizeHTML(p) : p;
    if (Array.isArray(p)) return p.map(function (x) { return safeProperties(x, key); });
    if (p && typeof p === "object") {
      var out = {};
      Object.keys(p).forEach(function (k) { out[k] = safeProperties(p[k], k); });
      return out;
    }
    return p;
  }

  function toMessage(m) {
    var message = {
      messageId: m.deliveryId,
      deliveryId: m.deliveryId,
      opened: m.opened,
      properties: safeProperties(m.properties),
      sentAt: new Date(m.sentAt),
      expiresAt: m.expiresAt ? new Date(m.expiresAt) : undefined,
      type: m.type,
      topics: m.topics,
      markOpened: function () { return after(call({ op: "mark", deliveryId: m.deliveryId, state: "opened" }), "inbox:message-opened", message); },
      markUnopened: function () { return call({ op: "mark", deliveryId: m.deliveryId, state: "unopened" }); },
      markDeleted: function () { return call({ op: "mark", deliveryId: m.deliveryId, state: "deleted" }); },
      trackClick: function (actionName) { return trackClick(m.deliveryId, actionName); }
    };
    return message;
  }

  function trackClick(deliveryId, actionName) {
    if (actionName !== undefined && typeof actionName !== "string") {
      throw new TypeError("trackClick: the action name must be a string, got " + (actionName === null ? "null" : typeof actionName));
    }
    return call({ op: "click", deliveryId: deliveryId, action: actionName || "" });
  }

  function Inbox(filter) {
    var self = this;
    var id = nextView++;
    var snapshot = null;
    var last = ""; // the last snapshot as JSON: the runtime posts every view on any change
    var waiting = [];
    var updates = [];
    views[id] = self;
    self._filter = filter;

    // _update takes a snapshot; listeners hear of it only when it changed.
    self._update = function (snap) {
      var json = JSON.stringify(snap);
      var changed = json !== last;
      snapshot = snap;
      last = json;
      waiting.splice(0).forEach(function (resolve) { resolve(); });
      if (!changed) return;
      each(updates, snap.messages.map(toMessage));
      emit("inbox:updated", { topics: filter.topics, types: filter.types, total: snap.total, unopened: snap.unopened });
    };

    function ready() {
      return snapshot ? Promise.resolve() : new Promise(function (resolve) { waiting.push(resolve); });
    }

    /** inbox.messages(): Promise of the messages, newest first. */
    self.messages = function () { return ready().then(function () { return snapshot.messages.map(toMessage); }); };
    /** inbox.total(): Promise of the number of messages. */
    self.total = function () { return ready().then(function () { return snapshot.total; }); };
    /** inbox.totalUnopened(): Promise of the number of unopened messages. */
    self.totalUnopened = function () { return ready().then(function () { return snapshot.unopened; }); };
    /** inbox.onUpdates(cb): cb(messages) once per change of the list; returns an unsubscribe function. */
    self.onUpdates = function (cb) {
      checkCallback(cb, "inbox.onUpdates");
      updates.push(cb);
      return function () { updates = updates.filter(function (x) { return x !== cb; }); };
    };
    // _markOpened(ids): mark these messages opened, in one op per 1000 ids
    // (client.MaxMarkBatch), then emit "inbox:message-opened" for each this
    // view shows (the inbox element's "Mark all read" of one tab).
    self._markOpened = function (ids) {
      return ready().then(function () {
        var want = new Set(ids);
        var list = snapshot.messages.filter(function (m) { return want.has(m.deliveryId); }).map(toMessage);
        for (var calls = [], i = 0; i < ids.length;) calls.push(call({ op: "mark", deliveryIds: ids.slice(i, i += 1000), state: "opened" }));
        return Promise.all(calls).then(function () { list.forEach(function (m) { emit("inbox:message-opened", m); }); });
      });
    };
    /** inbox.markAllOpened(): mark every message of this view opened. */
    self.markAllOpened = function () {
      return ready().then(function () {
        return self._markOpened(snapshot.messages.filter(function (m) { return !m.opened; }).map(function (m) { return m.deliveryId; }));
      });
    };

    // _close ends the view (the inbox element's, when it leaves the page).
    self._close = function () {
      delete views[id];
      send({ op: "unview", view: id });
    };

    send({ op: "view", view: id, filter: filter });
  }

  /**
   * analytics.inbox(...topics) or analytics.inbox({topics, types}): a view of
   * the inbox. No topics: every message except internal topics ("_...").
   */
  analytics.inbox = function () {
    return new Inbox(inboxFilter(Array.prototype.slice.call(arguments)));
  };

  // inboxFilter is the filter of analytics.inbox(...args).
  function inboxFilter(args) {
    var first = args[0];
    if (args.length === 1 && first && typeof first === "object" && !Array.isArray(first)) {
      Object.keys(first).forEach(function (k) {
        if (k !== "topics" && k !== "types") throw new TypeError("analytics.inbox: unknown filter field \"" + k + "\": use {topics: [...], types: [...]}");
      });
      return { topics: stringList(first.topics, "topic"), types: stringList(first.types, "type") };
    }
    return { topics: stringList(args, "topic"), types: [] };
  }

  // openInbox makes the view the tag's file returned (an empty object) for
  // a call of analytics.inbox with args; a wrong filter makes every method
  // of it fail with that error.
  function openInbox(target, args) {
    try {
      Inbox.call(target, inboxFilter(args));
    } catch (err) {
      ["messages", "total", "totalUnopened", "markAllOpened"].forEach(function (m) { target[m] = function () { return Promise.reject(err); }; });
      target.onUpdates = function () { throw err; };
      throw err;
    }
  }

  // ---- in-app messages -----------------------------------------------------
  // The runtime gives an in-app message to one visible tab that can show it
  // and whose route matches the message's page_rule. A page that listens for
  // "in-app-message" shows it itself (with textContent: it is data, never
  // markup); any other page has Roost's presenter show it (roost-inapp.js and
  // roost-inapp.css, loaded next to this script when the first message comes),
  // unless this script tag says data-in-app="off".
  var presenterOn = !script || script.getAttribute("data-in-app") !== "off";
  var nonce = (script && script.nonce) || "";
  var inAppListening = false; // what the runtime was last told
  var route = null;

  function pageListens() { return (listeners["in-app-message"] || []).length > 0; }

  // listenersChanged tells the runtime whether this tab can show in-app messages.
  function listenersChanged() {
    var on = !held && (pageListens() || presenterOn);
    if (on === inAppListening) return;
    inAppListening = on;
    send({ op: "inapp", listening: on });
  }

  // A tab that declines a message counts as unable to show any for the
  // runtime. One that declined an inline message for want of its target
  // element is held back until that may have changed: the element appears,
  // the route changes, or the tab becomes visible again. It then offers
  // itself again (it may be given the same message back).
  var held = null;
  function decline(deliveryId, target) {
    send({ op: "decline", deliveryId: deliveryId });
    inAppListening = false;
    if (target === undefined) return;
    if (held && held.observer) held.observer.disconnect();
    held = { target: target };
    if (target && typeof MutationObserver === "function") {
      held.observer = new MutationObserver(function () { if (document.getElementById(target)) offer(); });
      held.observer.observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ["id"] });
    }
  }
  function offer() {
    if (!held) return;
    if (held.observer) held.observer.disconnect();
    held = null;
    listenersChanged();
  }
  document.addEventListener("visibilitychange", function () { if (document.visibilityState !== "hidden") offer(); });

  // reportRoute tells the runtime the page's path, for page rules.
  function reportRoute() {
    if (location.pathname !== route) send({ op: "route", path: route = location.pathname });
    offer();
  }

  ["pushState", "replaceState"].forEach(function (name) {
    var original = history[name];
    if (typeof original !== "function") return;
    history[name] = function () {
      var result = original.apply(this, arguments);
      reportRoute();
      return result;
    };
  });
  reportRoute();
  listenersChanged();
  window.addEventListener("popstate", reportRoute);
  window.addEventListener("hashchange", reportRoute);

  // linkURL returns url as a browser reads it (tabs and newlines dropped,
  // spaces and control characters at the ends trimmed) when safeURL lets it
  // through, else "": what the presenter may link to or load.
  function linkURL(url) {
    if (typeof url !== "string") return "";
    url = url.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
    return safeURL(url) ? url : "";
  }

  // actionURL is the link of the message's action called name, or "".
  function actionURL(properties, name) {
    var actions = properties && Array.isArray(properties.actions) ? properties.actions : [];
    for (var i = 0; i < actions.length; i++) {
      if (actions[i] && actions[i].name === name) return linkURL(actions[i].url);
    }
    return "";
  }

  var shown = {}; // deliveryId: the presenter's view of it ({close}), or true while it loads

  function showInApp(m) {
    var dismissed = null;
    var message = {
      messageId: m.deliveryId,
      deliveryId: m.deliveryId,
      properties: safeProperties(m.properties),
      type: m.type,
      topics: m.topics,
      priority: m.priority,
      /** dismiss(): the person closed it (a "dismissed" event); the next message may show. */
      dismiss: function () {
        var view = shown[m.deliveryId];
        delete shown[m.deliveryId];
        if (view && view.close) view.close();
        if (!dismissed) dismissed = after(call({ op: "dismiss", deliveryId: m.deliveryId }), "in-app:message-dismissed", message);
        return dismissed;
      },
      trackClick: function (actionName) {
        return after(trackClick(m.deliveryId, actionName), "in-app:message-action",
          { messageId: m.deliveryId, deliveryId: m.deliveryId, message: message, actionName: actionName || "", name: actionName || "",
            action: actionURL(m.properties, actionName) });
      }
    };
    // Customer.io's event payloads carry the message as "message" (detail.message.dismiss()); not enumerable, so JSON.stringify works.
    Object.defineProperty(message, "message", { value: message });
    if (pageListens()) {
      send({ op: "shown", deliveryId: m.deliveryId }); // an "opened" event; before the page can dismiss it
      emit("in-app-message", message);
      emit("in-app:message-opened", message);
      return;
    }
    var p = m.properties || {};
    if (!presenterOn) {
      decline(m.deliveryId); // the handler went as it came: another tab shows it
    } else if (p.layout === "inline" && !(typeof p.target === "string" && p.target && document.getElementById(p.target))) {
      decline(m.deliveryId, String(p.target || "")); // a page with the target element shows it
    } else if (!shown[m.deliveryId]) {
      present(message);
    }
  }

  // present has the presenter show message, loading it first.
  var presenter = null;
  function present(message) {
    var id = message.deliveryId;
    shown[id] = true;
    if (!presenter) presenter = loadPresenter();
    presenter.then(function (show) {
      return show(message, { stylesheet: versioned("roost-inapp.css"), nonce: nonce, linkURL: linkURL });
    }).then(function (view) {
      if (shown[id] !== true) return view.close(); // dismissed meanwhile
      shown[id] = view;
      send({ op: "shown", deliveryId: id }); // an "opened" event
      emit("in-app:message-opened", message);
    }, function (err) {
      delete shown[id];
      presenterOn = false;
      emit("message-error", { error: String((err && err.message) || err), deliveryId: id });
      decline(id);
      listenersChanged(); // a page listener may still show the next ones
    });
  }

  // loadPresenter adds roost-inapp.js to the page; it resolves to the presenter's show function.
  function loadPresenter() {
    return load("roost-inapp.js", "roostInApp").then(function (p) { return p.show; });
  }

  // load adds the script name (next to this one) to the page; it resolves
  // to window[global], the part of Roost it defines.
  function load(name, global) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = versioned(name);
      if (nonce) el.nonce = nonce;
      el.onload = function () {
        window[global] ? resolve(window[global]) : reject(new Error("roost: " + el.src + " did not define " + global));
      };
      el.onerror = function () { reject(new Error("roost: " + el.src + " could not be loaded")); };
      (document.head || document.documentElement).appendChild(el);
    });
  }

  // ---- <roost-inbox> ---------------------------------------------------------
  // A bell and inbox panel any page can place (roost.d.ts). Its drawing,
  // roost-inbox.js and roost-inbox.css, loads once an element is in the
  // page, after the page's load event. data-inbox="floating" on this script
  // tag adds one in a corner to a page that has none.
  var inboxCode = null;
  var inboxEnv = {
    analytics: analytics, stylesheet: versioned("roost-inbox.css"), nonce: nonce, linkURL: linkURL,
    broken: function () { return broken; }
  };
  function inboxDrawing(el) {
    if (!inboxCode) inboxCode = new Promise(afterLoad).then(function () { return load("roost-inbox.js", "roostInbox"); });
    inboxCode.then(function (code) {
      if (el.isConnected && !el._roost) el._roost = code.connect(el, inboxEnv);
    }, function (err) { console.error(err.message); });
  }
  if (window.customElements && !customElements.get("roost-inbox")) {
    customElements.define("roost-inbox", class extends HTMLElement {
      static get observedAttributes() { return ["topics", "types", "placement", "lang", "theme", "strings"]; }
      connectedCallback() { inboxDrawing(this); }
      disconnectedCallback() { var r = this._roost; this._roost = null; if (r) r.disconnect(); }
      attributeChangedCallback() { if (this._roost) this._roost.update(); }
    });
    if (script && script.getAttribute("data-inbox") === "floating") {
      afterLoad(function () {
        if (!document.querySelector("roost-inbox")) document.body.appendChild(document.createElement("roost-inbox")).setAttribute("placement", "floating");
      });
    }
  }

  // Replay the calls the page made before this script ran: queued in an
  // array before the tag ([[method, ...args]]), then kept by the tag's file.
  // A call that throws now is reported (its Promise, if any, rejects).
  handoff.queued.forEach(function (c) {
    if (Array.isArray(c) && typeof analytics[c[0]] === "function") makeKeptCall([analytics, c[0], c.slice(1)]);
  });
  handoff.calls.splice(0).forEach(makeKeptCall);
  function makeKeptCall(c) {
    var target = c[0], method = c[1];
    try {
      if (method === "inbox") return openInbox(target, c[2]);
      if (c.cancelled) return;
      var result = target[method].apply(target, c[2]);
      if (method === "onUpdates") c.off = result;
      if (c[3]) c[3](result);
    } catch (err) {
      if (c[4]) c[4](err);
      else console.error("roost: " + (target === analytics ? "analytics." : "inbox.") + method + ":", err);
    }
  }
})();
