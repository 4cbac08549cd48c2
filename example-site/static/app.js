// The example shop's own page script: it builds its inbox UI on analytics.inbox().
(function () {
  "use strict";
  // The backend says who is logged in and signs that id; the page cannot pick someone else.
  var who = document.getElementById("who");
  window.shopSession = fetch("/api/session", { cache: "no-store" })
    .then(function (res) {
      if (!res.ok) throw new Error("/api/session answered " + res.status);
      return res.json();
    })
    .then(function (session) {
      who.textContent = session.user;
      analytics.identify(session.user, {}, { signature: session.signature });
      return session;
    })
    .catch(function (err) {
      who.textContent = "nobody (the session could not be loaded)";
      console.error("shop: " + err.message);
    });
  analytics.on("identity-error", function (e) {
    console.error("shop: Roost refused the identity " + e.user + " (" + e.status + "): " + e.error);
  });
  // In-app messages need no code here: the page does not listen for
  // "in-app-message", so Roost's presenter shows them.

  // text returns a new element showing value as text, never as markup.
  function text(tag, className, value) {
    var el = document.createElement(tag);
    el.className = className;
    el.textContent = value === undefined || value === null ? "" : String(value);
    return el;
  }

  // shortTime formats a date without Intl: the first toLocaleString() of a page
  // loads ICU's locale data, a main-thread task of about 50 ms.
  function shortTime(d) {
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  var inbox = analytics.inbox("orders", "social");
  window.shopInbox = inbox; // for the browser tests and the curious

  var list = document.getElementById("inbox-list");
  var badge = document.getElementById("badge");
  var panel = document.getElementById("inbox");
  var bell = document.getElementById("bell");

  bell.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    bell.setAttribute("aria-expanded", String(!panel.hidden));
  });
  document.getElementById("mark-all").addEventListener("click", function () { inbox.markAllOpened(); });

  inbox.onUpdates(function (messages) {
    list.textContent = "";
    messages.forEach(function (m) {
      var li = document.createElement("li");
      li.className = m.opened ? "message" : "message unread";
      li.dataset.deliveryId = m.deliveryId;
      var when = document.createElement("time");
      when.dateTime = m.sentAt.toISOString();
      when.textContent = shortTime(m.sentAt);
      li.append(text("div", "title", m.properties.title), text("div", "body", m.properties.body), when);
      li.addEventListener("click", function () { m.markOpened(); });
      list.append(li);
    });
    document.getElementById("inbox-empty").hidden = messages.length > 0;
    inbox.totalUnopened().then(function (n) {
      badge.textContent = String(n);
      badge.hidden = n === 0;
    });
  });
})();
