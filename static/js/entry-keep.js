// Nothing typed on the entry screen is lost (issue 20 item 4, WCAG 2.2.1). Without JavaScript the
// page works as before; with it:
// - what the user types is kept in this tab's sessionStorage (never on the server), under a key of
//   user, item and fiscal year, with the record version it was typed on;
// - on the next visit (after logging in again, or coming back from another page) a kept text that
//   differs from the page is offered back, never written over the form without the user's consent;
//   if the record was saved since, the offer says so; a successful save clears it;
// - before the idle limit ends the session, a dialog offers 延長 (a POST that renews the session);
//   once it has ended the dialog says so and links to the login page (the text stays kept).
// sessionStorage rather than localStorage: on a shared office PC the text goes when the tab closes.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var key = form.getAttribute("data-draft-key");
  var versionInput = form.querySelector("input[name=version]");
  var pageVersion = versionInput ? versionInput.value : "";
  var SKIP = { csrfmiddlewaretoken: true, version: true, action: true };

  function store() {
    try { return window.sessionStorage; } catch (error) { return null; }
  }

  function fields() {
    return Array.prototype.filter.call(form.elements, function (element) {
      return element.name && !SKIP[element.name] && element.type !== "hidden" &&
        element.type !== "submit" && element.type !== "button" && !element.disabled;
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (element) {
      if (element.type === "checkbox" || element.type === "radio") {
        values[element.name + "=" + element.value] = element.checked;
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function apply(values) {
    fields().forEach(function (element) {
      if (element.type === "checkbox" || element.type === "radio") {
        var name = element.name + "=" + element.value;
        if (name in values) { element.checked = values[name]; }
      } else if (element.name in values) {
        element.value = values[element.name];
        element.dispatchEvent(new Event("input", { bubbles: true }));  // the live rate follows
      }
    });
  }

  function same(a, b) {
    var names = Object.keys(a).concat(Object.keys(b));
    return names.every(function (name) { return a[name] === b[name]; });
  }

  var storage = key && store();
  var loaded = snapshot();

  function read() {
    try { return JSON.parse(storage.getItem(key) || "null"); } catch (error) { return null; }
  }

  function keep(submitted) {
    var values = snapshot();
    if (same(values, loaded) && !submitted) { storage.removeItem(key); return; }
    try {
      storage.setItem(key, JSON.stringify({ version: pageVersion, values: values, submitted: !!submitted, at: Date.now() }));
    } catch (error) { /* storage full or refused: the page still works */ }
  }

  if (storage) {
    var draft = read();
    if (form.hasAttribute("data-draft-unsaved")) {
      // The server gave the typed text back (an error or a conflict): keep that, offer nothing.
      keep(false);
    } else if (draft && (same(draft.values, loaded) || (draft.submitted && draft.version !== pageVersion))) {
      // Already what the page shows, or our save went through (the version moved): nothing is unsaved.
      storage.removeItem(key);
    } else if (draft) {
      offer(draft);
    }
    form.addEventListener("input", function () { keep(false); });
    form.addEventListener("change", function () { keep(false); });
    form.addEventListener("submit", function () { keep(true); leaving = true; });
  }

  // Leaving with unsaved changes (for 「別紙の一覧・登録」, another year, a link in the menu) asks
  // first; the text is kept either way and offered back on return.
  var leaving = false;
  window.addEventListener("beforeunload", function (event) {
    if (leaving || same(snapshot(), loaded)) { return; }
    event.preventDefault();
    event.returnValue = "";
  });

  function offer(draft) {
    var box = document.getElementById("draft-offer");
    var detail = document.getElementById("draft-offer-detail");
    if (!box) { return; }
    var when = new Date(draft.at);
    var time = isNaN(when) ? "" : when.toLocaleString("ja-JP-u-ca-japanese", { era: "long", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit" });
    detail.textContent = (time ? time + "に入力した内容が、このブラウザに残っています。" : "入力した内容が、このブラウザに残っています。") +
      (draft.version !== pageVersion
        ? "この入力の後に、新しい内容が保存されています。復元すると、保存済みの内容を確認せずに置き換えることになります。復元した後、内容を確かめてから保存してください。"
        : "復元した後、「保存（下書き）」を押すまで保存されません。");
    box.hidden = false;
    box.focus();
    document.getElementById("draft-restore").addEventListener("click", function () {
      apply(draft.values);
      keep(false);
      box.hidden = true;
      var first = fields()[0];
      if (first) { first.focus(); }
    });
    document.getElementById("draft-discard").addEventListener("click", function () {
      storage.removeItem(key);
      box.hidden = true;
      var first = fields()[0];
      if (first) { first.focus(); }
    });
  }

  // -- The session's idle limit -----------------------------------------------------------
  var dialog = document.getElementById("session-dialog");
  var seconds = parseInt(form.getAttribute("data-session-seconds"), 10);
  if (!dialog || !seconds || !window.fetch || typeof dialog.showModal !== "function") { return; }
  // Warn 3 minutes before the end (a third of the limit when it is shorter, as in tests).
  var warnBefore = Math.min(180, Math.floor(seconds / 3));
  var renewedAt = Date.now();
  var text = document.getElementById("session-dialog-text");
  var title = document.getElementById("session-dialog-title");
  var extend = document.getElementById("session-extend");
  var login = document.getElementById("session-login");
  var tick = null;

  function left() { return seconds - Math.floor((Date.now() - renewedAt) / 1000); }

  function minutes(value) {
    return value >= 60 ? "あと約" + Math.ceil(value / 60) + "分" : "あと" + Math.max(value, 0) + "秒";
  }

  function ended() {
    clearInterval(tick);
    if (storage) { keep(false); }
    title.textContent = "ログインの有効期限が切れました";
    text.textContent = "一定時間操作がなかったため、ログアウトしました。入力中の内容はこのブラウザに一時保存しています。ログインし直すと、この画面で復元できます。";
    extend.hidden = true;
    var next = window.location.pathname + window.location.search;
    login.href = form.getAttribute("data-login-url") + "?next=" + encodeURIComponent(next) + "&timeout=1";
    login.hidden = false;
    leaving = true;  // the session is gone and the text kept: the login link need not ask
    if (!dialog.open) { dialog.showModal(); }
    login.focus();
  }

  function check() {
    var remaining = left();
    if (remaining <= 0) { ended(); return; }
    if (remaining <= warnBefore) {
      text.textContent = "入力中の内容を保つため、「延長する」を押してください（" + minutes(remaining) + "で自動的にログアウトします）。";
      if (!dialog.open) { dialog.showModal(); extend.focus(); }
    }
  }

  extend.addEventListener("click", function () {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(form.getAttribute("data-extend-url"), {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",  // an ended session is redirected to the login page: not followed, read as ended
      headers: { "X-CSRFToken": token ? token.value : "", "Accept": "application/json" }
    }).then(function (response) {
      if (response.type === "opaqueredirect") { ended(); return; }
      if (!response.ok) { throw new Error(String(response.status)); }
      renewedAt = Date.now();
      dialog.close();
    }).catch(function () {
      text.textContent = "延長できませんでした。通信状況を確かめて、もう一度「延長する」を押してください。";
    });
  });
  document.getElementById("session-close").addEventListener("click", function () { dialog.close(); });
  // The live achievement preview is a request too: it renews the session as any other.
  form.addEventListener("input", function (event) {
    if (event.target.hasAttribute("data-indicator")) { renewedAt = Date.now(); }
  });
  tick = setInterval(check, 1000);
})();
