// "My reports": the tracking links kept on this phone, as long as the citizen wants them, and the
// tracking page's own buttons (copy the code; remember or forget it here). Used by the landing
// page (the list) and the tracking page; exposes `window.jdMine`.
window.jdMine = (function () {
  "use strict";

  var lang = document.body.getAttribute("data-lang") || (document.documentElement.lang === "en" ? "en" : "zh");
  var T = {
    zh: {
      mineHint: "查询码只保存在这台手机上，不再需要时可以删除",
      forget: "删除",
      forgetAll: "全部删除",
      keep: "在这台手机上记住此查询码",
      kept: "已记住。从这台手机上删除此查询码",
      copied: "已复制",
    },
    en: {
      mineHint: "Tracking codes are kept on this phone only; remove them when you no longer need them",
      forget: "Remove",
      forgetAll: "Remove all",
      keep: "Remember this tracking code on this phone",
      kept: "Remembered. Remove this tracking code from this phone",
      copied: "Copied",
    },
  }[lang];

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

  return { remember: remember, show: showMine };
})();
