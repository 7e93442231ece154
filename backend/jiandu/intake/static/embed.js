// 嵌入监督: <script src="https://<platform>/embed.js" data-code="<website point code>" async></script>
//
// Adds a floating "我要监督" button to the page; it opens the point's intake page in an iframe.
// Everything lives in a closed shadow root under a custom element whose own styles are inline and
// !important, so the host page's CSS (however hostile) can neither hide nor restyle it.
(function () {
  "use strict";
  var script = document.currentScript || (function () {
    var all = document.querySelectorAll("script[data-code][src*='embed.js']");
    return all[all.length - 1];
  })();
  if (!script) return;
  var code = (script.getAttribute("data-code") || "").replace(/[^0-9A-Za-z]/g, "");
  if (!code || window["__jianduEmbed_" + code]) return;
  window["__jianduEmbed_" + code] = true;
  var base = new URL(script.src, location.href).origin;
  var lang = script.getAttribute("data-lang") === "en" ? "en" : "zh";
  var label = script.getAttribute("data-label") || (lang === "en" ? "Report" : "我要监督");
  var closeLabel = lang === "en" ? "Close" : "关闭";

  var HOST_STYLE = [
    "all:initial", "display:block", "position:fixed", "z-index:2147483647", "right:16px", "bottom:16px",
    "width:auto", "height:auto", "margin:0", "padding:0", "border:0", "background:transparent",
    "visibility:visible", "opacity:1", "transform:none", "filter:none", "clip:auto", "clip-path:none",
    "pointer-events:auto", "contain:layout style",
  ].map(function (rule) { return rule + " !important"; }).join(";");
  var OPEN_STYLE = HOST_STYLE.replace(/right:16px !important;bottom:16px !important;width:auto !important;height:auto !important/,
    "right:0 !important;bottom:0 !important;top:0 !important;left:0 !important;width:100% !important;height:100% !important");

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif}",
    ".btn{all:initial;display:flex;align-items:center;gap:6px;cursor:pointer;background:#b3261e;color:#fff;",
    "font:600 16px/1 system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;padding:12px 16px;",
    "border-radius:24px;box-shadow:0 2px 8px rgba(0,0,0,.3)}",
    ".btn:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}",
    ".wrap{all:initial;display:none;position:fixed;inset:0;background:rgba(0,0,0,.45)}",
    ".open .wrap{display:flex;align-items:center;justify-content:center}.open .btn{display:none}",
    ".panel{all:initial;display:flex;flex-direction:column;background:#fff;width:100%;height:100%;",
    "max-width:480px;max-height:760px;border-radius:10px;overflow:hidden;box-shadow:0 6px 24px rgba(0,0,0,.35)}",
    "@media (max-width:520px){.panel{max-width:none;max-height:none;border-radius:0}}",
    ".bar{all:initial;display:flex;justify-content:flex-end;background:#b3261e;padding:4px}",
    ".x{all:initial;cursor:pointer;color:#fff;font:600 15px/1 system-ui,sans-serif;padding:8px 12px}",
    ".x:focus-visible{outline:3px solid #fff}",
    "iframe{all:initial;display:block;flex:1;width:100%;height:100%;border:0;background:#fff}",
  ].join("");

  function build() {
    var host = document.createElement("jiandu-embed");
    host.setAttribute("style", HOST_STYLE);
    var root = host.attachShadow ? host.attachShadow({ mode: "closed" }) : host;
    var style = document.createElement("style");
    style.textContent = CSS;
    var shell = document.createElement("div");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn";
    button.setAttribute("part", "button");
    button.textContent = label;
    var wrap = document.createElement("div");
    wrap.className = "wrap";
    wrap.setAttribute("role", "dialog");
    wrap.setAttribute("aria-modal", "true");
    wrap.setAttribute("aria-label", label);
    var panel = document.createElement("div");
    panel.className = "panel";
    var bar = document.createElement("div");
    bar.className = "bar";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "x";
    close.textContent = closeLabel + " ✕";
    bar.appendChild(close);
    panel.appendChild(bar);
    wrap.appendChild(panel);
    shell.appendChild(button);
    shell.appendChild(wrap);
    root.appendChild(style);
    root.appendChild(shell);
    var frame = null;

    function open() {
      if (!frame) {
        frame = document.createElement("iframe");
        frame.title = label;
        var query = "embed=1&origin=" + encodeURIComponent(location.origin) +
          "&page=" + encodeURIComponent(location.href.slice(0, 480)) + (lang === "en" ? "&lang=en" : "");
        frame.src = base + "/q/" + encodeURIComponent(code) + "?" + query;
        panel.appendChild(frame);
      }
      shell.className = "open";
      host.setAttribute("style", OPEN_STYLE);
      close.focus();
    }

    function shut() {
      shell.className = "";
      host.setAttribute("style", HOST_STYLE);
      button.focus();
    }

    button.addEventListener("click", open);
    close.addEventListener("click", shut);
    wrap.addEventListener("click", function (event) { if (event.target === wrap) shut(); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && shell.className === "open") shut();
    });
    // A page that rewrites its own DOM must not drop the button.
    (document.body || document.documentElement).appendChild(host);
    if (window.MutationObserver) {
      new MutationObserver(function () {
        if (!host.isConnected) (document.body || document.documentElement).appendChild(host);
        if (host.getAttribute("style") !== HOST_STYLE && host.getAttribute("style") !== OPEN_STYLE) {
          host.setAttribute("style", shell.className === "open" ? OPEN_STYLE : HOST_STYLE);
        }
      }).observe(document.documentElement, { childList: true, subtree: true, attributes: true,
        attributeFilter: ["style"] });
    }
  }

  if (document.body) build();
  else document.addEventListener("DOMContentLoaded", build);
})();
