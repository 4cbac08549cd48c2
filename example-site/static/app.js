// The example site's own script, on each of its pages: it says who is logged
// in and identifies them to Roost. The shop's inbox is the <roost-inbox>
// element, which needs no code here; the headless example (/headless) draws
// its own inbox, in headless.js, on Roost's page API.
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
  // "in-app-message", so Roost's presenter shows them. Its top banners keep
  // clear of the sticky header: --roost-inset-top follows its height
  // (style.css has a first guess for before this runs).
  var bar = document.querySelector(".bar");
  if (bar && typeof ResizeObserver === "function") {
    new ResizeObserver(function () {
      document.documentElement.style.setProperty("--roost-inset-top", bar.offsetHeight + 8 + "px");
    }).observe(bar);
  }
})();
