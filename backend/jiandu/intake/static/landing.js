// The landing page (/q/<code>) and the tracking page (/t/<token>) with JavaScript on.
//
// Without this script the forms are plain posts and work. With it: what is typed is kept on the
// phone as it is typed (IndexedDB), a sent report waits in an outbox until the server has it,
// and the outbox is replayed on load, on `online`, when the page becomes visible, on a timer and
// on a button. Each report carries the idempotency key made when its form was opened, so a
// replay never makes a second report.
//
// Where IndexedDB is refused (private modes, some WebViews), the outbox and drafts go to
// localStorage, photos as data URLs. When nothing persistent is left (or a photo does not fit),
// the page says so plainly — the report is kept only while this page stays open — and asks before
// the page is closed with such a report unsent. It never claims "saved on the phone" otherwise.
//
// A rating carries the rating token of its page (or one asked for when it is sent, if the page's
// was spent or has gone stale): the server takes one rating per token.
(function () {
  "use strict";

  var body = document.body;
  var lang = body.getAttribute("data-lang") || (document.documentElement.lang === "en" ? "en" : "zh");
  var T = {
    zh: {
      queued: "已保存在手机上，联网后自动发送",
      sending: "正在发送…",
      waiting: "有 {n} 条反映等待发送。已保存在手机上，联网后自动发送",
      volatile: "无法保存在手机上：本浏览器不允许本页保存数据。请不要关闭此页面，联网后将自动发送",
      volatileWaiting: "有 {n} 条反映等待发送，未能保存在手机上。请不要关闭此页面，联网后将自动发送",
      leave: "还有反映未发送，且未能保存在手机上，关闭页面将丢失",
      mineHint: "查询码只保存在这台手机上，不再需要时可以删除",
      forget: "删除",
      forgetAll: "全部删除",
      keep: "在这台手机上记住此查询码",
      kept: "已记住。从这台手机上删除此查询码",
      later: "服务器繁忙，稍后自动重试（约 {s} 秒）",
      attention: "有一条反映未能发送，请检查后重新提交",
      other: "之前保存的一条反映已发送成功",
      fix: "请修改标注的内容后重新提交",
      copied: "已复制",
      remove: "删除",
      photo_max: "最多上传 3 张照片",
    },
    en: {
      queued: "Saved on this phone; it will be sent when you are online",
      sending: "Sending…",
      waiting: "{n} report(s) waiting. Saved on this phone; they will be sent when you are online",
      volatile: "Could not be saved on this phone: this browser does not let the page keep data. Keep this page open; it will be sent when you are online",
      volatileWaiting: "{n} report(s) waiting, not saved on this phone. Keep this page open; they will be sent when you are online",
      leave: "A report has not been sent and could not be saved on this phone; closing the page loses it",
      mineHint: "Tracking codes are kept on this phone only; remove them when you no longer need them",
      forget: "Remove",
      forgetAll: "Remove all",
      keep: "Remember this tracking code on this phone",
      kept: "Remembered. Remove this tracking code from this phone",
      later: "The server is busy; retrying automatically in about {s} s",
      attention: "A report could not be sent; please check it and send again",
      other: "A report saved earlier has been sent",
      fix: "Please correct the marked fields and send again",
      copied: "Copied",
      remove: "Remove",
      photo_max: "Up to 3 photos",
    },
  }[lang];
  var MAX_PHOTOS = 3;
  var RETRYABLE = { 408: 1, 423: 1, 425: 1, 429: 1 };

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function randomKey() {
    var bytes = new Uint8Array(18);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // --- storage: IndexedDB, else localStorage, else (said plainly) only this page's memory ---------

  var memory = { drafts: {}, outbox: {} };
  var volatile = {}; // ids of outbox items kept in memory only: lost if the page is closed
  var LOCAL = { drafts: "jd:d:", outbox: "jd:o:" };

  function localUsable() {
    try {
      localStorage.setItem("jd:probe", "1");
      localStorage.removeItem("jd:probe");
      return true;
    } catch (e) {
      return false;
    }
  }

  var dbPromise = new Promise(function (resolve) {
    if (!window.indexedDB) return resolve(null);
    var request;
    try {
      request = indexedDB.open("jiandu-intake", 1);
    } catch (e) {
      return resolve(null);
    }
    request.onupgradeneeded = function () {
      var db = request.result;
      if (!db.objectStoreNames.contains("drafts")) db.createObjectStore("drafts", { keyPath: "id" });
      if (!db.objectStoreNames.contains("outbox")) db.createObjectStore("outbox", { keyPath: "id" });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { resolve(null); };
    request.onblocked = function () { resolve(null); };
  });
  var kept = dbPromise.then(function (db) { return db ? "idb" : localUsable() ? "local" : "memory"; });

  function store(name, mode, action) {
    return dbPromise.then(function (db) {
      if (!db) return action(null);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = action(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result instanceof IDBRequest ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  // Photos as data URLs, so that an item fits in localStorage's strings; and back to Blobs.
  function blobToData(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }

  function dataToBlob(url) {
    var parts = url.split(",");
    var binary = atob(parts[1]);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new Blob([bytes], { type: (parts[0].match(/^data:([^;]+)/) || [])[1] || "image/jpeg" });
  }

  function toLocal(name, item) {
    return Promise.all((item.photos || []).map(blobToData)).then(function (urls) {
      var copy = withoutPhotos(item);
      copy.photoData = urls;
      localStorage.setItem(LOCAL[name] + item.id, JSON.stringify(copy)); // throws when it does not fit
    });
  }

  function fromLocal(text) {
    var item = JSON.parse(text);
    item.photos = (item.photoData || []).map(dataToBlob);
    delete item.photoData;
    return item;
  }

  function put(name, item) {
    return kept.then(function (where) {
      if (where === "idb") return store(name, "readwrite", function (s) { return s.put(item); });
      memory[name][item.id] = item;
      var saved = where === "local" ? toLocal(name, item).then(function () { return true; },
        function () { return false; }) : Promise.resolve(false);
      return saved.then(function (ok) {
        if (name !== "outbox") return null;
        if (ok) delete volatile[item.id];
        else volatile[item.id] = true;
        return null;
      });
    });
  }

  function get(name, id) {
    return kept.then(function (where) {
      if (where === "idb") return store(name, "readonly", function (s) { return s.get(id); });
      if (memory[name][id]) return memory[name][id];
      try {
        var text = where === "local" && localStorage.getItem(LOCAL[name] + id);
        return text ? fromLocal(text) : null;
      } catch (e) {
        return null;
      }
    });
  }

  function remove(name, id) {
    return kept.then(function (where) {
      if (where === "idb") return store(name, "readwrite", function (s) { return s.delete(id); });
      delete memory[name][id];
      if (name === "outbox") delete volatile[id];
      try { localStorage.removeItem(LOCAL[name] + id); } catch (e) {}
      return null;
    });
  }

  function all(name) {
    return kept.then(function (where) {
      if (where === "idb") return store(name, "readonly", function (s) { return s.getAll(); });
      var found = {};
      if (where === "local") {
        try {
          for (var i = 0; i < localStorage.length; i++) {
            var k = localStorage.key(i);
            if (k && k.indexOf(LOCAL[name]) === 0) {
              var item = fromLocal(localStorage.getItem(k));
              found[item.id] = item;
            }
          }
        } catch (e) {}
      }
      Object.keys(memory[name]).forEach(function (id) { found[id] = memory[name][id]; });
      return Object.keys(found).map(function (id) { return found[id]; });
    });
  }

  function unsentOnlyHere() {
    return Object.keys(volatile).length > 0;
  }

  window.addEventListener("beforeunload", function (event) {
    if (!unsentOnlyHere()) return undefined;
    event.preventDefault();
    event.returnValue = T.leave; // browsers show their own words; asking is what matters
    return T.leave;
  });

  function withoutPhotos(item) {
    var copy = {};
    for (var k in item) if (k !== "photos") copy[k] = item[k];
    return copy;
  }

  // --- "my reports": tracking links kept on this phone, as long as the citizen wants -----------
  //
  // Only the address and the code (no point, no words), for MINE_DAYS after the last look at
  // most; each can be removed, or all at once. The receipt of a new report remembers its code (it
  // is the citizen's only way back); any other tracking page only when asked to.

  var MINE_DAYS = 90;

  function mine() {
    var fresh = Date.now() - MINE_DAYS * 86400000;
    try {
      return JSON.parse(localStorage.getItem("jd:mine") || "[]").filter(function (e) { return e.at > fresh; });
    } catch (e) {
      return [];
    }
  }

  function keepMine(list) {
    try {
      if (list.length) localStorage.setItem("jd:mine", JSON.stringify(list.slice(0, 10)));
      else localStorage.removeItem("jd:mine");
    } catch (e) {}
  }

  function remember(entry) {
    var list = mine().filter(function (e) { return e.url !== entry.url; });
    list.unshift({ url: entry.url, code: entry.code, at: Date.now() });
    keepMine(list);
  }

  function forgetMine(url) {
    keepMine(url ? mine().filter(function (e) { return e.url !== url; }) : []);
  }

  function remembered(url) {
    return mine().some(function (e) { return e.url === url; });
  }

  function smallButton(text, onclick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "sec";
    b.textContent = text;
    b.addEventListener("click", onclick);
    return b;
  }

  function showMine() {
    var box = document.getElementById("mine");
    var target = document.getElementById("mine-list");
    if (!box || !target) return;
    var list = mine();
    keepMine(list); // what has gone stale goes now
    target.textContent = "";
    box.hidden = !list.length;
    if (!list.length) return;
    var hint = document.createElement("p");
    hint.className = "hint";
    hint.textContent = T.mineHint;
    target.appendChild(hint);
    list.forEach(function (entry) {
      var row = document.createElement("p");
      var a = document.createElement("a");
      a.href = entry.url + (lang === "en" ? "?lang=en" : "");
      a.textContent = entry.code;
      row.appendChild(a);
      row.appendChild(smallButton(T.forget, function () { forgetMine(entry.url); showMine(); }));
      target.appendChild(row);
    });
    target.appendChild(smallButton(T.forgetAll, function () { forgetMine(null); showMine(); }));
  }

  // --- the tracking page -----------------------------------------------------------------------

  var copy = document.getElementById("copy");
  if (copy) {
    var code = copy.getAttribute("data-code");
    var here = location.pathname;
    if (/[?&]new=1(&|$)/.test(location.search)) remember({ url: here, code: code });
    else if (remembered(here)) remember({ url: here, code: code }); // looked at again: kept a while longer
    var keep = smallButton("", function () {
      if (remembered(here)) forgetMine(here);
      else remember({ url: here, code: code });
      keep.textContent = remembered(here) ? T.kept : T.keep;
    });
    keep.id = "keep";
    keep.textContent = remembered(here) ? T.kept : T.keep;
    copy.parentNode.appendChild(keep);
    copy.hidden = false;
    copy.addEventListener("click", function () {
      var done = function () { copy.textContent = T.copied; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(code).then(done, function () {});
      } else {
        var range = document.createRange();
        range.selectNodeContents(document.getElementById("tcode"));
        var sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        try { document.execCommand("copy"); done(); } catch (e) {}
      }
    });
  }

  var pointCode = body.getAttribute("data-code");
  var forms = Array.prototype.slice.call(document.querySelectorAll("form[data-kind]"));
  if (!pointCode || !forms.length) return;

  // --- the landing page ------------------------------------------------------------------------

  // The device the server issued (signed): the one kept from an earlier visit, else this page's.
  var DEVICE_RE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;
  var device = body.getAttribute("data-device") || "";
  function adoptDevice(given) {
    if (!given || !DEVICE_RE.test(given)) return;
    device = given;
    try { localStorage.setItem("jd:device", given); } catch (e) {}
  }
  try {
    var known = localStorage.getItem("jd:device");
    if (known && DEVICE_RE.test(known)) device = known;
    else adoptDevice(device);
  } catch (e) {}

  var queueBox = document.getElementById("q");
  var queueText = document.getElementById("q-text");
  var photos = []; // Blobs of the report form
  var embedded = body.getAttribute("data-embed") === "1";

  function say(text, retry) {
    if (!queueBox) return;
    queueText.textContent = text;
    document.getElementById("q-retry").hidden = !retry;
    queueBox.hidden = !text;
  }

  function draftId(form) { return pointCode + ":" + form.getAttribute("data-kind"); }

  function fieldsOf(form) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "submit" || el.type === "button") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      (out[el.name] = out[el.name] || []).push(el.value);
    });
    return out;
  }

  function fill(form, fields) {
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.type === "hidden" || el.name === "homepage") return;
      var values = fields[el.name];
      if (!values) {
        if (el.type === "radio" || el.type === "checkbox") el.checked = false;
        return;
      }
      if (el.type === "radio" || el.type === "checkbox") el.checked = values.indexOf(el.value) >= 0;
      else el.value = values[0] || "";
    });
  }

  function keyOf(form) { return form.querySelector("input[name=idem]"); }

  function counters(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".cnt[data-for]"), function (span) {
      var area = document.getElementById(span.getAttribute("data-for"));
      span.textContent = area.value.length + "/" + area.getAttribute("maxlength");
    });
  }

  function reasonsFor(form) {
    if (!form.classList.contains("rf")) return;
    form.classList.add("j");
    var checked = form.querySelector("input[name=rating]:checked");
    var level = checked ? parseInt(checked.value, 10) : 0;
    form.classList.toggle("b", level >= 4);
    form.classList.toggle("g", level > 0 && level < 4);
  }

  // What is typed is kept twice: at once in localStorage (synchronous, so a reload a moment after
  // typing loses nothing) and, with the photos, in IndexedDB a moment later.
  var saveTimers = {};
  function mirror(form) {
    try {
      localStorage.setItem("jd:f:" + draftId(form), JSON.stringify({
        key: keyOf(form).value, fields: fieldsOf(form), at: Date.now(),
      }));
    } catch (e) {}
  }

  function mirrored(form) {
    try { return JSON.parse(localStorage.getItem("jd:f:" + draftId(form)) || "null"); } catch (e) { return null; }
  }

  function forget(form) {
    try { localStorage.removeItem("jd:f:" + draftId(form)); } catch (e) {}
    return remove("drafts", draftId(form));
  }

  function saveNow(form) {
    clearTimeout(saveTimers[form.id]);
    delete saveTimers[form.id];
    return put("drafts", {
      id: draftId(form), key: keyOf(form).value, fields: fieldsOf(form),
      photos: form.getAttribute("data-kind") === "report" ? photos.slice() : [], at: Date.now(),
    }).catch(function () {});
  }

  function saveDraft(form) {
    mirror(form);
    clearTimeout(saveTimers[form.id]);
    saveTimers[form.id] = setTimeout(function () { saveNow(form); }, 120);
  }

  function drawPhotos(form) {
    var list = document.getElementById("ph-list");
    if (!list) return;
    list.textContent = "";
    photos.forEach(function (blob, index) {
      var img = document.createElement("img");
      img.src = URL.createObjectURL(blob);
      img.alt = T.remove;
      img.title = T.remove;
      img.addEventListener("click", function () {
        photos.splice(index, 1);
        drawPhotos(form);
        saveDraft(form);
      });
      list.appendChild(img);
    });
  }

  // A phone photo of 4–8 MB becomes ~300 KB before it leaves: weak networks thank us.
  function shrink(file) {
    if (file.size < 1500000 || !window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type)) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, 2048 / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function clearErrors(form) {
    Array.prototype.forEach.call(form.querySelectorAll(".err, .box.e"), function (el) { el.remove(); });
  }

  function showErrors(form, fields, message) {
    clearErrors(form);
    var box = document.createElement("div");
    box.className = "box e";
    box.setAttribute("role", "alert");
    box.textContent = message || T.fix;
    form.insertBefore(box, form.querySelector("h2"));
    Object.keys(fields || {}).forEach(function (name) {
      var anchor = name === "photos" ? document.getElementById("ph-list") : form.querySelector("[name=" + name + "]");
      var p = document.createElement("p");
      p.className = "err";
      p.setAttribute("data-field", name);
      p.textContent = fields[name];
      if (!anchor || name === "_" ) {
        box.appendChild(document.createElement("br"));
        box.appendChild(document.createTextNode(fields[name]));
        return;
      }
      var place = anchor.closest("fieldset") || anchor;
      if (place === anchor) place.parentNode.insertBefore(p, anchor.nextSibling);
      else place.appendChild(p);
    });
    box.scrollIntoView({ block: "center" });
  }

  // --- the outbox ------------------------------------------------------------------------------

  function formData(item) {
    var data = new FormData();
    Object.keys(item.fields).forEach(function (name) {
      if (name === "idem") return;
      item.fields[name].forEach(function (value) { data.append(name, value); });
    });
    data.set("point_code", item.code);
    (item.photos || []).forEach(function (blob, i) { data.append("photos", blob, "photo" + (i + 1) + ".jpg"); });
    return data;
  }

  function hasToken(item) {
    return item.kind !== "rating" || Boolean((item.fields.rating_token || [])[0]);
  }

  // A rating whose page token was spent (a second rating from one page) or is past its grace.
  function withToken(item) {
    if (hasToken(item)) return Promise.resolve(item);
    return fetch("/api/v1/rating-tokens", {
      method: "POST",
      body: JSON.stringify({ point_code: item.code }),
      credentials: "omit",
      headers: { "Content-Type": "application/json", "X-Jiandu-Device": device, Accept: "application/json" },
    }).then(function (response) {
      if (response.status !== 201) return item; // sent without: the server says what to do
      return response.json().then(function (answer) {
        adoptDevice(answer.device);
        item.fields.rating_token = [answer.rating_token];
        return put("outbox", item).then(function () { return item; });
      });
    });
  }

  function send(item) {
    if (item.notBefore && item.notBefore > Date.now()) return Promise.resolve("later");
    if (navigator.onLine === false) return Promise.resolve("offline");
    return withToken(item).then(post, function () { return "offline"; });
  }

  function post(item) {
    return fetch("/api/v1/reports", {
      method: "POST",
      body: formData(item),
      credentials: "omit", // anonymous: a signed-in staff session must not make this its own
      headers: { "Idempotency-Key": item.id, "X-Jiandu-Device": device, Accept: "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (response.status === 201) return done(item, answer);
        if (RETRYABLE[response.status] || response.status >= 500) {
          var wait = parseInt(response.headers.get("Retry-After") || "30", 10);
          item.notBefore = Date.now() + Math.min(Math.max(wait, 5), 3600) * 1000;
          item.attempts = (item.attempts || 0) + 1;
          return put("outbox", item).then(function () { return "later:" + wait; });
        }
        var error = answer.error || {};
        var fields = error.fields || {};
        if (fields.rating_token && Object.keys(fields).length === 1 && !item.retokened) {
          // Its token was refused (gone stale while the phone was offline): a fresh one, once.
          item.retokened = true;
          delete item.fields.rating_token;
          return put("outbox", item).then(function () { return send(item); });
        }
        return refused(item, response.status, error);
      });
    }, function () {
      return "offline";
    });
  }

  function done(item, answer) {
    return remove("outbox", item.id).then(function () {
      if (answer.tracking_url) {
        remember({ url: answer.tracking_url, code: answer.tracking_code });
      }
      var here = item.code === pointCode;
      if (!here) return "other";
      var extra = [];
      if (lang === "en") extra.push("lang=en");
      if (embedded) extra.push("embed=1");
      if (answer.tracking_url) {
        location.assign(answer.tracking_url + "?" + ["new=1"].concat(extra).join("&"));
      } else {
        var form = document.querySelector("form[data-kind=" + item.kind + "]");
        var origin = form && form.querySelector("input[name=origin]");
        if (origin) extra.push("origin=" + encodeURIComponent(origin.value));
        location.assign(location.pathname + "?" + ["thanks=1"].concat(extra).join("&"));
      }
      return "sent";
    });
  }

  // Refused for a reason the reporter can fix: back into its form (here, or next time its page opens).
  function refused(item, status, error) {
    var draft = {
      id: item.code + ":" + item.kind, key: status === 409 ? randomKey() : item.id, fields: item.fields,
      photos: item.photos || [], at: Date.now(), error: { fields: error.fields || {}, message: error.message },
    };
    try { localStorage.removeItem("jd:f:" + draft.id); } catch (e) {}
    return put("drafts", draft).then(function () { return remove("outbox", item.id); }).then(function () {
      if (item.code !== pointCode) return "attention";
      var form = document.querySelector("form[data-kind=" + item.kind + "]");
      restore(form, draft);
      return "refused";
    });
  }

  var flushing = false;
  function flush() {
    if (flushing) return Promise.resolve();
    flushing = true;
    var run = function () {
      return all("outbox").then(function (items) {
        items.sort(function (a, b) { return a.at - b.at; });
        var results = [];
        return items.reduce(function (chain, item) {
          return chain.then(function () { return send(item).then(function (r) { results.push(r); }); });
        }, Promise.resolve()).then(function () { return results; });
      });
    };
    var locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request("jiandu-outbox", { ifAvailable: true }, function (lock) { return lock ? run() : []; })
      : run();
    return locked.then(report, function () { return []; }).then(function () { flushing = false; },
      function () { flushing = false; });
  }

  function report(results) {
    return all("outbox").then(function (left) {
      if (results.indexOf("attention") >= 0) return say(T.attention, false);
      if (!left.length) {
        if (results.indexOf("other") >= 0) say(T.other, false);
        else if (results.indexOf("refused") < 0) say("", false);
        else say("", false);
        return;
      }
      var later = results.filter(function (r) { return /^later:/.test(r); })[0];
      if (later && navigator.onLine !== false) return say(fmt(T.later, { s: later.split(":")[1] }), true);
      if (unsentOnlyHere()) say(left.length > 1 ? fmt(T.volatileWaiting, { n: left.length }) : T.volatile, true);
      else say(left.length > 1 ? fmt(T.waiting, { n: left.length }) : T.queued, true);
    });
  }

  function restore(form, draft) {
    if (!form || !draft) return;
    fill(form, draft.fields || {});
    if (draft.key) keyOf(form).value = draft.key;
    if (form.getAttribute("data-kind") === "report") {
      photos = (draft.photos || []).slice(0, MAX_PHOTOS);
      drawPhotos(form);
    }
    counters(form);
    reasonsFor(form);
    if (draft.error) showErrors(form, draft.error.fields, draft.error.message);
  }

  forms.forEach(function (form) {
    var serverErrors = form.querySelector(".err, .box.e");
    counters(form);
    reasonsFor(form);
    // A key made now, when the form is opened: a page from the cache or history must not reuse one.
    keyOf(form).value = randomKey();
    var quick = mirrored(form);
    get("drafts", draftId(form)).catch(function () { return null; }).then(function (draft) {
      // The server's own answer (a refused no-script post) is fresher than anything stored here.
      if (serverErrors) return;
      if (quick && (!draft || quick.at > draft.at)) {
        draft = { key: quick.key, fields: quick.fields, photos: draft ? draft.photos : [], error: null };
      }
      if (draft) restore(form, draft);
    });

    form.addEventListener("input", function () { counters(form); saveDraft(form); });
    form.addEventListener("change", function (event) {
      reasonsFor(form);
      if (event.target.type === "file") {
        var files = Array.prototype.slice.call(event.target.files || []);
        event.target.value = "";
        var room = MAX_PHOTOS - photos.length;
        if (files.length > room) say(T.photo_max, false);
        Promise.all(files.slice(0, Math.max(room, 0)).map(shrink)).then(function (blobs) {
          photos = photos.concat(blobs).slice(0, MAX_PHOTOS);
          drawPhotos(form);
          saveDraft(form);
        });
        return;
      }
      saveDraft(form);
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearErrors(form);
      var kind = form.getAttribute("data-kind");
      var item = {
        id: keyOf(form).value, code: pointCode, kind: kind, fields: fieldsOf(form),
        photos: kind === "report" ? photos.slice() : [], at: Date.now(), attempts: 0,
      };
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      say(T.sending, false);
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
      clearTimeout(saveTimers[form.id]);
      var token = form.querySelector("input[name=rating_token]");
      if (token) token.value = ""; // one rating per token: a second one from this page asks for its own
      put("outbox", item).then(function () {
        // Queued is as good as sent for the reporter: the form starts afresh, with a new key,
        // so a second tap cannot send the same report twice under two keys.
        form.reset();
        keyOf(form).value = randomKey();
        if (kind === "report") { photos = []; drawPhotos(form); }
        counters(form);
        reasonsFor(form);
        return forget(form);
      }).catch(function () {}).then(flush).then(function () {
        button.disabled = false;
      });
    });
  });

  document.getElementById("q-retry").addEventListener("click", function () {
    all("outbox").then(function (items) {
      return Promise.all(items.map(function (item) { item.notBefore = 0; return put("outbox", item); }));
    }).then(flush);
  });
  window.addEventListener("online", flush);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flush(); });
  window.addEventListener("pagehide", function () {
    forms.forEach(function (form) { if (saveTimers[form.id]) saveNow(form); });
  });
  setInterval(flush, 20000);
  showMine();
  flush();
})();
