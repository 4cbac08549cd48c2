// The headless example's page script (/headless): an inbox the page draws
// itself, a bell with an unread badge and a panel with a tab per topic, built
// on Roost's page API: analytics.inbox(), view.onUpdates(), totalUnopened(),
// message.markOpened() and markDeleted(), view.markAllOpened(). The site's own
// script, app.js, loaded before this one, fetches the session and identifies
// the person; the shop's pages use the <roost-inbox> element instead.
(function () {
  "use strict";

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

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // relativeTime says how long ago d was ("just now", "5 min ago", "3 h ago",
  // "yesterday", "4 days ago"), and past a week its date ("Nov 21").
  function relativeTime(d, now) {
    var minutes = Math.floor((now - d.getTime()) / 60000);
    if (minutes < 1) return "just now";
    if (minutes < 60) return minutes + " min ago";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " h ago";
    var days = Math.floor(hours / 24);
    if (days === 1) return "yesterday";
    if (days < 7) return days + " days ago";
    var date = MONTHS[d.getMonth()] + " " + d.getDate();
    return d.getFullYear() === new Date(now).getFullYear() ? date : date + ", " + d.getFullYear();
  }

  // The inbox panel. "All" is the orders and social topics together: the view
  // window.shopInbox, whose unread count is the bell's badge. "Orders" and
  // "Social" get views of their own when the panel first opens; until each
  // has its first list, the tab shows the part of "All" on its topic.
  var inbox = analytics.inbox("orders", "social");
  window.shopInbox = inbox; // for the browser tests and the curious

  var TOPIC_LABELS = { orders: "Orders", social: "Social" };
  var tabs = [
    { name: "all", topic: "", view: inbox, messages: null,
      empty: ["No messages yet.", "Order updates and replies to your comments show up here."] },
    { name: "orders", topic: "orders", view: null, messages: null,
      empty: ["No order updates.", "When an order ships, you hear it here first."] },
    { name: "social", topic: "social", view: null, messages: null,
      empty: ["No replies yet.", "When someone answers one of your comments, it shows up here."] }
  ];
  var active = tabs[0];

  var list = document.getElementById("inbox-list");
  var empty = document.getElementById("inbox-empty");
  var badge = document.getElementById("badge");
  var panel = document.getElementById("inbox");
  var tabpanel = document.getElementById("inbox-tabpanel");
  var bell = document.getElementById("bell");
  var markAll = document.getElementById("mark-all");
  tabs.forEach(function (tab) {
    tab.button = document.getElementById("tab-" + tab.name);
    tab.count = tab.button.querySelector(".count");
  });

  // messagesOf is what a tab shows: its view's list, or before that the
  // messages of "All" on its topic.
  function messagesOf(tab) {
    if (tab.messages) return tab.messages;
    return (tabs[0].messages || []).filter(function (m) {
      return !tab.topic || m.topics.indexOf(tab.topic) >= 0;
    });
  }

  function unreadOf(tab) {
    return messagesOf(tab).filter(function (m) { return !m.opened; }).length;
  }

  function showCounts() {
    tabs.forEach(function (tab) {
      var n = unreadOf(tab);
      tab.count.hidden = n === 0;
      tab.count.textContent = "";
      tab.count.append(String(n), text("span", "sr-only", " unread"));
    });
    markAll.disabled = unreadOf(active) === 0;
  }

  // messageItem is one message of the list: a button that opens it (marks it
  // read) and one that deletes it.
  function messageItem(m, now) {
    var li = document.createElement("li");
    li.className = m.opened ? "message" : "message unread";
    li.dataset.deliveryId = m.deliveryId;
    var open = document.createElement("button");
    open.type = "button";
    open.className = "message-open";
    if (!m.opened) open.append(text("span", "sr-only", "Unread: "));
    var when = document.createElement("time");
    when.dateTime = m.sentAt.toISOString();
    when.title = shortTime(m.sentAt);
    when.textContent = relativeTime(m.sentAt, now);
    var meta = text("span", "meta", "");
    if (active === tabs[0]) {
      m.topics.forEach(function (topic) {
        if (TOPIC_LABELS[topic]) meta.append(text("span", "topic topic-" + topic, TOPIC_LABELS[topic]));
      });
    }
    meta.append(when);
    open.append(text("span", "title", m.properties.title), text("span", "body", m.properties.body), meta);
    open.addEventListener("click", function () { m.markOpened(); });
    var del = document.createElement("button");
    del.type = "button";
    del.className = "message-delete";
    del.setAttribute("aria-label", "Delete “" + (m.properties.title || "message") + "”");
    del.title = "Delete";
    del.append(trashIcon());
    del.addEventListener("click", function () {
      li.classList.add("leaving");
      m.markDeleted();
    });
    li.append(open, del);
    return li;
  }

  function trashIcon() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "18");
    svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M9 3h6l1 2h4v2H4V5h4l1-2Zm-3 6h12l-1 12H7L6 9Zm4 2v8h1.5v-8H10Zm3.5 0v8H15v-8h-1.5Z");
    svg.append(path);
    return svg;
  }

  // render shows the active tab's messages. A button that had the focus
  // keeps it, or after a delete the next message's does.
  function render() {
    var messages = messagesOf(active);
    var focused = document.activeElement;
    var focusLi = focused && list.contains(focused) ? focused.closest("li") : null;
    var focusKey = focusLi && { id: focusLi.dataset.deliveryId, kind: focused.className, index: Array.prototype.indexOf.call(list.children, focusLi) };
    var now = Date.now();
    list.textContent = "";
    messages.forEach(function (m) { list.append(messageItem(m, now)); });
    empty.hidden = messages.length > 0;
    empty.querySelector(".empty-title").textContent = active.empty[0];
    empty.querySelector(".empty-text").textContent = active.empty[1];
    if (focusKey) {
      var same = list.querySelector('li[data-delivery-id="' + CSS.escape(focusKey.id) + '"] .' + focusKey.kind.split(" ")[0]);
      var next = list.children[Math.min(focusKey.index, list.children.length - 1)];
      if (same) same.focus();
      else if (next) next.querySelector("." + focusKey.kind.split(" ")[0]).focus();
      else tabpanel.focus();
    }
    showCounts();
  }

  // The relative times move on while the panel is open.
  setInterval(function () {
    if (panel.hidden) return;
    var now = Date.now();
    list.querySelectorAll("time").forEach(function (el) {
      el.textContent = relativeTime(new Date(el.dateTime), now);
    });
  }, 30000);

  tabs.forEach(function (tab) {
    tab.update = function (messages) {
      tab.messages = messages;
      if (tab === tabs[0]) {
        // Tabs without a list of their own yet show part of this one.
        if (tabs.some(function (t) { return t === active && !t.messages; }) || active === tab) render();
        else showCounts();
      } else if (tab === active) {
        render();
      } else {
        showCounts();
      }
    };
  });

  // openViews gives "Orders" and "Social" their views, once.
  function openViews() {
    tabs.forEach(function (tab) {
      if (tab.view) return;
      tab.view = analytics.inbox(tab.topic);
      tab.view.onUpdates(tab.update);
    });
  }

  function selectTab(tab, focus) {
    active = tab;
    tabs.forEach(function (t) {
      var selected = t === tab;
      t.button.setAttribute("aria-selected", String(selected));
      t.button.tabIndex = selected ? 0 : -1;
      t.button.classList.toggle("selected", selected);
    });
    tabpanel.setAttribute("aria-labelledby", tab.button.id);
    if (focus) tab.button.focus();
    render();
  }

  tabs.forEach(function (tab, i) {
    tab.button.addEventListener("click", function () { selectTab(tab, false); });
    tab.button.addEventListener("keydown", function (e) {
      var to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      selectTab(tabs[(to + tabs.length) % tabs.length], true);
    });
  });

  function setOpen(open) {
    panel.hidden = !open;
    bell.setAttribute("aria-expanded", String(open));
    if (open) openViews();
  }
  bell.addEventListener("click", function () { setOpen(panel.hidden); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !panel.hidden) {
      setOpen(false);
      bell.focus();
    }
  });
  document.addEventListener("click", function (e) {
    // (A target no longer in the page was a message the list re-drew.)
    if (!panel.hidden && document.contains(e.target) && !panel.contains(e.target) && !bell.contains(e.target)) setOpen(false);
  });
  markAll.addEventListener("click", function () { active.view.markAllOpened(); });

  showCounts();
  inbox.onUpdates(function (messages) {
    tabs[0].update(messages);
    inbox.totalUnopened().then(function (n) {
      badge.textContent = String(n);
      badge.hidden = n === 0;
      bell.setAttribute("aria-label", n === 0 ? "Inbox" : "Inbox, " + n + " unread");
    });
  });
})();
