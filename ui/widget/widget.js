/* Revenue-leader advisor — embeddable chat bubble. Plain JavaScript, no build step, no third-party requests.
 * <script src="https://HOST/widget.js" data-title="…" data-position="right|left" data-color="#1f6feb"
 *         data-welcome="…" data-starters="First starter|Second starter"></script>
 * Everything the server or the user says is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__revenueAdvisorLoaded) return;
  window.__revenueAdvisorLoaded = true;
  var base = new URL(script.src, location.href).origin;
  var cfg = {
    title: script.dataset.title || "Which revenue leader should you hire?",
    position: script.dataset.position === "left" ? "left" : "right",
    color: /^#[0-9a-fA-F]{3,8}$/.test(script.dataset.color || "") ? script.dataset.color : "#1f6feb",
    welcome: script.dataset.welcome || "Tell me what's going on with revenue — I'll recommend who to hire and show you why.",
    starters: (script.dataset.starters || "Leads come in but revenue is flat|Nobody knows we exist|Every deal still routes through me")
      .split("|").map(function (s) { return s.trim(); }).filter(Boolean).slice(0, 4)
  };
  var KEY = "revenue-advisor-session:" + base;

  var host = document.createElement("revenue-advisor");  /* a custom element: host-page selectors like "div" do not match it */
  host.setAttribute("data-revenue-advisor", "");
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  var css = document.createElement("style");
  css.textContent = [
    ":host{all:initial;display:block}",
    ".bubble,.panel{letter-spacing:normal;word-spacing:normal;text-transform:none;text-align:left;font-weight:normal;line-height:1.4}",
    ".bubble svg{width:28px;height:28px;fill:#fff;vertical-align:middle}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".bubble{position:fixed;bottom:20px;" + cfg.position + ":20px;width:60px;height:60px;border-radius:50%;border:0;cursor:pointer;",
    "background:" + cfg.color + ";color:#fff;font-size:26px;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}",
    ".bubble:focus-visible,button:focus-visible,textarea:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}",
    ".panel{position:fixed;bottom:92px;" + cfg.position + ":20px;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 120px);",
    "background:#fff;color:#1b1f24;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden;z-index:2147483000}",
    ".panel[hidden]{display:none}",
    "header{background:" + cfg.color + ";color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}",
    "header h2{font-size:15px;margin:0;flex:1}",
    "header button{background:transparent;border:1px solid rgba(255,255,255,.6);color:#fff;border-radius:6px;padding:4px 8px;cursor:pointer;font-size:12px}",
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:10px;background:#f6f8fa}",
    ".msg{padding:9px 12px;border-radius:12px;max-width:90%;white-space:pre-wrap;line-height:1.4;font-size:14px}",
    ".user{align-self:flex-end;background:" + cfg.color + ";color:#fff}",
    ".bot{align-self:flex-start;background:#fff;border:1px solid #d0d7de}",
    ".notice{font-size:12px;color:#6e5300;background:#fff8c5;border-radius:8px;padding:6px 8px}",
    ".replies{display:flex;flex-wrap:wrap;gap:6px}",
    ".replies button{border:1px solid " + cfg.color + ";color:" + cfg.color + ";background:#fff;border-radius:16px;padding:5px 10px;cursor:pointer;font-size:13px}",
    ".card{background:#fff;border:1px solid #d0d7de;border-radius:10px;padding:10px;font-size:13px}",
    ".rec{border-left:4px solid " + cfg.color + "}",
    ".rec h3{margin:0 0 4px;font-size:15px}",
    "details{margin-top:4px}summary{cursor:pointer;font-size:12px;color:#57606a}",
    "blockquote{margin:4px 0;padding-left:8px;border-left:3px solid #d0d7de;color:#24292f}",
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #d0d7de;background:#fff}",
    "textarea{flex:1;resize:none;border:1px solid #d0d7de;border-radius:8px;padding:8px;font-size:14px;height:42px}",
    "form button{background:" + cfg.color + ";color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}",
    "@media (max-width:520px){.panel{inset:0;width:100vw;height:100vh;max-width:none;max-height:none;border-radius:0}}"
  ].join("\n");
  root.appendChild(css);

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = String(text);
    return e;
  }

  var bubble = el("button", { "class": "bubble", "aria-label": "Open the revenue advisor chat", "aria-expanded": "false", "aria-controls": "ra-panel" });
  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("aria-hidden", "true");
  var path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z");
  svg.appendChild(path); bubble.appendChild(svg);
  var panel = el("section", { "class": "panel", id: "ra-panel", role: "dialog", "aria-label": cfg.title, hidden: "" });
  var header = el("header");
  var title = el("h2", {}, cfg.title);
  var newBtn = el("button", { type: "button" }, "New conversation");
  var closeBtn = el("button", { type: "button", "aria-label": "Close chat" }, "✕");
  header.append(title, newBtn, closeBtn);
  var log = el("div", { "class": "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
  var form = el("form");
  var label = el("label", { "class": "sr", "for": "ra-input" }, "Your message");
  var input = el("textarea", { id: "ra-input", placeholder: "Describe your revenue situation…", maxlength: "4000" });
  var send = el("button", { type: "submit" }, "Send");
  form.append(label, input, send);
  panel.append(header, log, form);
  root.append(bubble, panel);

  var sessionId = null;
  try { sessionId = localStorage.getItem(KEY); } catch (e) { sessionId = null; }
  var busy = false;

  function scroll() { log.scrollTop = log.scrollHeight; }
  function say(text, who) { var m = el("div", { "class": "msg " + who }, text); log.appendChild(m); scroll(); return m; }

  function citations(list, into) {
    if (!list || !list.length) return;
    var d = el("details"); d.appendChild(el("summary", {}, "Sources (" + list.length + ")"));
    list.forEach(function (c, i) {
      var card = el("div", { "class": "card" });
      card.appendChild(el("strong", {}, "[" + (i + 1) + "] " + (c.title || c.source)));
      card.appendChild(el("blockquote", {}, "“" + c.quote + "”"));
      card.appendChild(el("small", {}, c.source));
      d.appendChild(card);
    });
    into.appendChild(d);
  }

  function render(reply) {
    var box = el("div", { "class": "card" + (reply.recommendation ? " rec" : "") });
    if (reply.recommendation) {
      var r = reply.recommendation;
      box.appendChild(el("h3", {}, r.title + " — " + r.confidence_label + " confidence"));
      box.appendChild(el("p", {}, r.description));
      if (r.runner_up) box.appendChild(el("p", {}, "Runner-up: " + r.runner_up.title));
    }
    box.appendChild(el("div", { "class": "msg bot" }, reply.reply.replace(/\*\*|\*/g, "")));
    if (reply.notice) box.appendChild(el("div", { "class": "notice" }, reply.notice));
    citations(reply.citations, box);
    log.appendChild(box);
    if (reply.question && reply.question.options) {
      var replies = el("div", { "class": "replies", role: "group", "aria-label": "Quick replies" });
      reply.question.options.forEach(function (opt) {
        var b = el("button", { type: "button" }, opt);
        b.addEventListener("click", function () { replies.remove(); submit(opt); });
        replies.appendChild(b);
      });
      log.appendChild(replies);
    }
    scroll();
  }

  function api(path, options) {
    return fetch(base + path, Object.assign({ headers: { "Content-Type": "application/json" } }, options)).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { var err = new Error(body.detail || ("Request failed (" + r.status + ")")); err.status = r.status; throw err; }
        return body;
      });
    });
  }

  // POST a message and read the server-sent events: "delta" appends text as it is written (checked sentence by
  // sentence when a language model words the reply), "replace" swaps in the offline text, "reply" is the whole reply.
  function stream(sid, text) {
    var path = "/api/sessions/" + encodeURIComponent(sid) + "/messages";
    var body = JSON.stringify({ text: text });
    if (!window.ReadableStream || !window.TextDecoder) return api(path, { method: "POST", body: body });
    return fetch(base + path + "/stream", { method: "POST", headers: { "Content-Type": "application/json" }, body: body }).then(function (r) {
      if (!r.ok) {
        return r.json().catch(function () { return {}; }).then(function (b) {
          var err = new Error(b.detail || ("Request failed (" + r.status + ")")); err.status = r.status; throw err;
        });
      }
      var reader = r.body.getReader(), decoder = new TextDecoder(), buffer = "", live = null, final = null;
      function handle(block) {
        var event = "message", data = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event: ") === 0) event = line.slice(7);
          else if (line.indexOf("data: ") === 0) data += line.slice(6);
        });
        if (!data) return;
        var value = JSON.parse(data);
        if (event === "reply") { final = value; return; }
        if (!live) { live = say("", "bot"); live.setAttribute("aria-busy", "true"); }
        live.textContent = (event === "replace" ? "" : live.textContent) + String(value).replace(/\*\*|\*/g, "");
        scroll();
      }
      function pump() {
        return reader.read().then(function (chunk) {
          if (!chunk.done) buffer += decoder.decode(chunk.value, { stream: true });
          var blocks = buffer.split("\n\n");
          buffer = chunk.done ? "" : blocks.pop();
          blocks.forEach(handle);
          if (!chunk.done) return pump();
          if (live) live.remove();
          if (!final) throw new Error("The reply was cut off; please try again.");
          return final;
        });
      }
      return pump();
    });
  }

  function ensureSession() {
    if (sessionId) return Promise.resolve(sessionId);
    return api("/api/sessions", { method: "POST" }).then(function (b) {
      sessionId = b.session_id;
      try { localStorage.setItem(KEY, sessionId); } catch (e) { /* private mode: the session lasts this page */ }
      return sessionId;
    });
  }

  function submit(text) {
    text = (text || "").trim();
    if (!text || busy) return;
    busy = true; send.disabled = true;
    say(text, "user");
    ensureSession().then(function (sid) { return stream(sid, text); }).then(render).catch(function (err) {
      if (err.status === 404) { sessionId = null; try { localStorage.removeItem(KEY); } catch (e) {} }
      say("Sorry — " + err.message, "bot");
    }).then(function () { busy = false; send.disabled = false; input.focus(); });
  }

  function welcome() {
    say(cfg.welcome, "bot");
    var replies = el("div", { "class": "replies", role: "group", "aria-label": "Example messages" });
    cfg.starters.forEach(function (s) {
      var b = el("button", { type: "button" }, s);
      b.addEventListener("click", function () { replies.remove(); submit(s); });
      replies.appendChild(b);
    });
    log.appendChild(replies);
  }

  function restore() {
    if (!sessionId) { welcome(); return; }
    api("/api/sessions/" + encodeURIComponent(sessionId), { method: "GET" }).then(function (t) {
      if (!t.turns.length) { welcome(); return; }
      t.turns.forEach(function (turn, i) {
        say(turn.user, "user");
        render(i === t.turns.length - 1 ? turn.reply : Object.assign({}, turn.reply, { question: null }));
      });
    }).catch(function () { sessionId = null; try { localStorage.removeItem(KEY); } catch (e) {} welcome(); });
  }

  function open(show) {
    panel.hidden = !show;
    bubble.setAttribute("aria-expanded", String(show));
    if (show) { if (!log.childNodes.length) restore(); input.focus(); } else { bubble.focus(); }
  }

  bubble.addEventListener("click", function () { open(panel.hidden); });
  closeBtn.addEventListener("click", function () { open(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") open(false); });
  newBtn.addEventListener("click", function () {
    sessionId = null; try { localStorage.removeItem(KEY); } catch (e) {}
    while (log.firstChild) log.removeChild(log.firstChild);
    welcome(); input.focus();
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); var t = input.value; input.value = ""; submit(t); });
  input.addEventListener("keydown", function (e) { if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); } });
})();
