// The landing page (/q/<code>) with JavaScript on (after landing-store.js and landing-mine.js).
//
// Without this script the forms are plain posts and work. With it: what is typed is kept on the
// phone as it is typed (IndexedDB), a sent report waits in an outbox until the server has it,
// and the outbox is replayed on load, on `online`, when the page becomes visible, on a timer and
// on a button. Each report carries the idempotency key made when its form was opened, so a
// replay never makes a second report.
//
// Where IndexedDB is refused (private modes, some WebViews), the outbox and drafts go to
// localStorage, photos as data URLs (landing-store.js). When nothing persistent is left (or a photo
// does not fit), the page says so plainly — the report is kept only while this page stays open —
// and asks before the page is closed with such a report unsent. It never claims "saved on the
// phone" otherwise.
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
      later: "服务器繁忙，稍后自动重试（约 {s} 秒）",
      attention: "有一条反映未能发送，请检查后重新提交",
      other: "之前保存的一条反映已发送成功",
      fix: "请修改标注的内容后重新提交",
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
      later: "The server is busy; retrying automatically in about {s} s",
      attention: "A report could not be sent; please check it and send again",
      other: "A report saved earlier has been sent",
      fix: "Please correct the marked fields and send again",
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

  var store = window.jdStore;
  var put = store.put, get = store.get, remove = store.remove, all = store.all;
  var unsentOnlyHere = store.unsentOnlyHere;

  window.addEventListener("beforeunload", function (event) {
    if (!unsentOnlyHere()) return undefined;
    event.preventDefault();
    event.returnValue = T.leave; // browsers show their own words; asking is what matters
    return T.leave;
  });

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
        window.jdMine.remember({ url: answer.tracking_url, code: answer.tracking_code });
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
  window.jdMine.show();
  flush();
})();
