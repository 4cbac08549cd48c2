// The control page: it sends the seed's example templates to the demo person
// through the site's backend (POST /api/demo/send), which holds the API key.
(function () {
  "use strict";

  var CHANNELS = { inbox: "Inbox", in_app: "In-app" };
  var loadError = document.getElementById("load-error");
  var cardTemplate = document.getElementById("template-card");

  function el(tag, className, value) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (value !== undefined) e.textContent = String(value);
    return e;
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }
  function clock(d) { return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds()); }

  // card builds the form of one template.
  function card(t) {
    var node = cardTemplate.content.firstElementChild.cloneNode(true);
    var id = "t-" + t.template;
    node.id = id;
    node.dataset.template = t.template;
    node.setAttribute("aria-labelledby", id + "-name");
    var name = node.querySelector(".tname");
    name.id = id + "-name";
    name.textContent = t.name;
    node.querySelector(".trigger code").textContent = t.template;
    node.querySelector(".tdesc").textContent = t.description;
    var chips = node.querySelector(".chips");
    chips.append(el("span", "chip chip-" + t.channel, CHANNELS[t.channel] || t.channel));
    (t.topics || []).forEach(function (topic) { chips.append(el("span", "chip", topic)); });

    var fields = node.querySelector(".fields");
    t.fields.forEach(function (f) {
      var field = el("div", "field");
      var input = el(f.multiline ? "textarea" : "input");
      input.id = id + "-" + f.name;
      input.name = f.name;
      if (f.multiline) input.rows = 3;
      else input.type = "text";
      input.defaultValue = f.sample;
      input.autocomplete = "off";
      var label = el("label", "", f.label);
      label.htmlFor = input.id;
      label.append(" ", el("code", "key", f.name));
      field.append(label, input);
      if (f.hint) {
        var hint = el("p", "hint", f.hint);
        hint.id = input.id + "-hint";
        input.setAttribute("aria-describedby", hint.id);
        field.append(hint);
      }
      fields.append(field);
    });

    var sendIn = node.querySelector(".send-in");
    sendIn.id = id + "-send-in";
    node.querySelector(".send-in-label").htmlFor = sendIn.id;
    var unit = node.querySelector(".unit");
    unit.id = id + "-send-in-unit";
    sendIn.setAttribute("aria-describedby", unit.id);

    var language = node.querySelector(".language-select");
    if (t.languages && t.languages.length) {
      language.id = id + "-language";
      node.querySelector(".language-label").htmlFor = language.id;
      language.append(new Option("English (default)", ""));
      t.languages.forEach(function (l) { language.append(new Option(l.label, l.tag)); });
      node.querySelector(".field.language").hidden = false;
    }

    var form = node.querySelector("form");
    var button = node.querySelector(".send");
    button.setAttribute("aria-label", "Send " + t.name);
    var result = node.querySelector(".result");
    form.addEventListener("reset", function () { result.textContent = ""; result.className = "result"; });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var data = {};
      t.fields.forEach(function (f) {
        var v = form.elements[f.name].value;
        if (v !== "") data[f.name] = v; // empty: the template's default, if it has one
      });
      var req = { template: t.template, data: data };
      if (sendIn.value !== "") req.send_in = Number(sendIn.value);
      if (t.languages && t.languages.length && language.value) req.language = language.value;
      button.disabled = true;
      result.className = "result pending";
      result.textContent = "Sending…";
      send(req).then(function (answer) {
        showResult(result, answer);
      }).finally(function () {
        button.disabled = false;
      });
    });
    return node;
  }

  // send posts a request to the site's backend; it resolves with
  // {ok, status, body}, a failure to reach the site included.
  function send(req) {
    return fetch("/api/demo/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(req)
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        return { ok: res.ok, status: res.status, body: body };
      });
    }, function (err) {
      return { ok: false, status: 0, body: { meta: { error: "the site did not answer (" + err.message + ")" } } };
    });
  }

  function showResult(result, answer) {
    var b = answer.body || {};
    result.textContent = "";
    if (answer.ok) {
      result.className = "result ok";
      var line = el("p", "result-line");
      var when = b.send_at ? "shows at " + clock(new Date(b.send_at * 1000)) : "sent at " + clock(new Date(b.queued_at * 1000));
      line.append(el("strong", "", "Queued"), " · " + when + " · ", el("code", "delivery-id", b.delivery_id));
      result.append(line);
    } else {
      result.className = "result error";
      var msg = (b.meta && b.meta.error) || "the site answered " + answer.status;
      result.append(el("p", "result-line", "Not sent: " + msg));
    }
    if (b.endpoint && b.request) {
      var details = el("details", "request");
      details.append(el("summary", "", "What the backend sent"), el("pre", "", b.endpoint + "\n" + JSON.stringify(b.request, null, 2)));
      result.append(details);
    }
  }

  fetch("/api/demo/templates", { cache: "no-store" })
    .then(function (res) {
      if (!res.ok) throw new Error("/api/demo/templates answered " + res.status);
      return res.json();
    })
    .then(function (catalog) {
      document.getElementById("person").textContent = catalog.person;
      catalog.templates.forEach(function (t) {
        var where = document.getElementById(t.channel === "in_app" ? "inapp-templates" : "inbox-templates");
        where.append(card(t));
      });
      document.body.classList.add("ready");
    })
    .catch(function (err) {
      loadError.textContent = "The templates could not be loaded: " + err.message + ". Is the example site running?";
      loadError.hidden = false;
    });
})();
