/*! Roost in-app presenter: shows in-app messages on a page that does not
 * listen for "in-app-message" itself. roost.js loads it, with roost-inapp.css,
 * from its own directory when the first message is to be shown.
 *
 * Each message is drawn in the shadow root of a <roost-inapp> element, so the
 * page's CSS cannot reach inside and this CSS does not leak out. Its text is
 * set with textContent (message data is never markup), and its URLs only when
 * roost.js's linkURL lets them through (http, https, mailto or relative).
 */
(function () {
  "use strict";
  var seq = 0;

  // text returns v as text: strings as they are, numbers and booleans
  // written out, anything else "".
  function text(v) {
    return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
  }

  // content reads a message's properties as the content schema says (see
  // README.md): layout, title, body, image, up to two actions, target.
  function content(p, linkURL) {
    p = p && typeof p === "object" ? p : {};
    var layout = p.layout === "banner" ? "top" : p.layout;
    if (layout !== "top" && layout !== "bottom" && layout !== "inline") layout = "modal";
    var image = p.image && typeof p.image === "object" ? { url: linkURL(p.image.url), alt: text(p.image.alt) } : null;
    var actions = [];
    (Array.isArray(p.actions) ? p.actions : []).forEach(function (a) {
      if (!a || typeof a !== "object" || actions.length === 2) return;
      var name = text(a.name) || text(a.label);
      if (name) actions.push({ name: name, label: text(a.label) || name, url: linkURL(a.url) });
    });
    return {
      layout: layout, title: text(p.title), body: text(p.body), target: text(p.target),
      image: image && image.url ? image : null, actions: actions
    };
  }

  function el(tag, className, value) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (value) e.textContent = value;
    return e;
  }

  // closeIcon is the close button's cross, drawn as SVG (no markup parsed).
  function closeIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 16 16");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", "M4 4l8 8M12 4l-8 8");
    svg.appendChild(path);
    return svg;
  }

  function settle(p, what) {
    return Promise.resolve(p).catch(function (err) { console.error("roost: the in-app message's " + what + " failed:", err); });
  }

  /**
   * show draws message (an in-app message of roost.js) once its stylesheet
   * has loaded. env: {stylesheet: URL of roost-inapp.css, nonce, linkURL}.
   * Resolves to a view {close()} (close removes it; roost.js calls it on
   * dismiss()), or to null when an inline message's target element is gone;
   * rejects when the stylesheet cannot be loaded.
   */
  function show(message, env) {
    var c = content(message.properties, env.linkURL);
    var parent = c.layout === "inline" ? c.target && document.getElementById(c.target) : document.body || document.documentElement;
    if (!parent) return Promise.resolve(null);
    var host = document.createElement("roost-inapp");
    host.setAttribute("data-layout", c.layout);
    var root = host.attachShadow({ mode: "open" });
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = env.stylesheet;
    if (env.nonce) link.nonce = env.nonce;
    root.appendChild(link);
    return new Promise(function (resolve, reject) {
      link.onload = function () { resolve(draw(host, root, c, message)); };
      link.onerror = function () {
        host.remove();
        reject(new Error("roost: the in-app presenter's stylesheet " + link.href + " could not be loaded"));
      };
      // A top banner comes first in the page's tab order, the others last.
      if (c.layout === "top") parent.insertBefore(host, parent.firstChild);
      else parent.appendChild(host);
    });
  }

  // draw builds the message's elements in root and returns its view.
  function draw(host, root, c, message) {
    var id = "roost-inapp-" + ++seq;
    var modal = c.layout === "modal";
    // A modal is a <dialog> shown with showModal(): in the top layer, above
    // any z-index of the page, which it makes inert.
    var box = el(modal ? "dialog" : "div", "message " + c.layout + (c.image ? " has-image" : ""));
    box.setAttribute("part", "message");
    box.setAttribute("data-delivery-id", message.deliveryId);
    if (modal) {
      box.setAttribute("role", "dialog");
      box.setAttribute("aria-modal", "true");
      box.tabIndex = -1; // a click on its text keeps the focus inside
      if (c.title) box.setAttribute("aria-labelledby", id + "-title");
      else box.setAttribute("aria-label", "Message");
    } else {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", c.title || "Message");
    }

    if (c.image) {
      var img = el("img", "image");
      img.setAttribute("part", "image");
      img.alt = c.image.alt;
      img.decoding = "async";
      img.onerror = function () { img.remove(); box.classList.remove("has-image"); };
      img.src = c.image.url;
      box.appendChild(img);
    }
    var main = el("div", "content");
    if (c.title) {
      var title = el("h2", "title", c.title);
      title.id = id + "-title";
      title.setAttribute("part", "title");
      main.appendChild(title);
    }
    if (c.body) {
      var body = el("p", "body", c.body);
      body.setAttribute("part", "body");
      main.appendChild(body);
    }
    box.appendChild(main);

    var focusable = [];
    if (c.actions.length) {
      var bar = el("div", "actions");
      c.actions.forEach(function (a, i) {
        var b = el(a.url ? "a" : "button", "action " + (i === 0 ? "primary" : "secondary"), a.label);
        if (a.url) b.href = a.url;
        else b.type = "button";
        b.setAttribute("part", "action " + (i === 0 ? "primary" : "secondary"));
        b.addEventListener("click", function (e) { act(a, e); });
        bar.appendChild(b);
        focusable.push(b);
      });
      box.appendChild(bar);
    }
    var close = el("button", "close");
    close.type = "button";
    close.setAttribute("aria-label", "Close");
    close.setAttribute("part", "close");
    close.appendChild(closeIcon());
    close.addEventListener("click", function () { settle(message.dismiss(), "dismissal"); });
    box.appendChild(close);
    focusable.push(close);

    // act records a click on an action, dismisses the message, then follows
    // the action's url, if any, in this tab (a click with a modifier key is
    // left to the browser: a new tab or window).
    function act(a, e) {
      var plain = !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey);
      if (plain) e.preventDefault();
      var done = Promise.all([settle(message.trackClick(a.name), "click"), settle(message.dismiss(), "dismissal")]);
      if (!a.url || !plain) return;
      // Both are stored for the server within milliseconds; do not wait long for a stalled runtime.
      Promise.race([done, new Promise(function (resolve) { setTimeout(resolve, 2000); })]).then(function () { location.assign(a.url); });
    }

    // Keys: Escape dismisses (a modal's from anywhere, another's when the
    // focus is in it); a modal keeps Tab and Shift+Tab inside.
    function onKey(e) {
      if (e.key === "Escape" || e.key === "Esc") {
        e.preventDefault();
        e.stopPropagation();
        settle(message.dismiss(), "dismissal");
      } else if (modal && e.key === "Tab") {
        var i = focusable.indexOf(root.activeElement);
        var to = e.shiftKey ? (i <= 0 ? focusable.length - 1 : -1) : (i < 0 || i === focusable.length - 1 ? 0 : -1);
        if (to >= 0) {
          e.preventDefault();
          focusable[to].focus();
        }
      }
    }
    // A modal takes the focus back should anything move it out.
    function onFocusIn(e) {
      if (e.target !== host) focusable[0].focus();
    }

    var returnTo = null;
    root.appendChild(box);
    if (modal) {
      returnTo = document.activeElement;
      document.addEventListener("keydown", onKey, true);
      document.addEventListener("focusin", onFocusIn, true);
      box.addEventListener("cancel", function (e) { // the browser's own close request (Escape)
        e.preventDefault();
        settle(message.dismiss(), "dismissal");
      });
      if (typeof box.showModal === "function") box.showModal();
      else box.setAttribute("open", "");
      focusable[0].focus();
    } else {
      box.addEventListener("keydown", onKey);
      // Where the focus came from, to give it back when the message goes.
      box.addEventListener("focusin", function (e) {
        if (e.relatedTarget && !box.contains(e.relatedTarget)) returnTo = e.relatedTarget;
      });
    }

    var closed = false;
    return {
      close: function () {
        if (closed) return;
        closed = true;
        var hadFocus = modal || root.activeElement !== null;
        document.removeEventListener("keydown", onKey, true);
        document.removeEventListener("focusin", onFocusIn, true);
        host.remove();
        if (hadFocus && returnTo && returnTo !== document.body && returnTo.isConnected && typeof returnTo.focus === "function") returnTo.focus();
      }
    };
  }

  window.roostInApp = { show: show };
})();
