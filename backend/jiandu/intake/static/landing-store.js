// The landing page's storage of drafts and the outbox: IndexedDB, else localStorage (photos as data
// URLs), else only this page's memory — and then it says so: `unsentOnlyHere()` is true while an
// outbox item would be lost with the page. Loaded before landing.js, which uses `window.jdStore`.
window.jdStore = (function () {
  "use strict";

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

  function withoutPhotos(item) {
    var copy = {};
    for (var k in item) if (k !== "photos") copy[k] = item[k];
    return copy;
  }

  return { put: put, get: get, remove: remove, all: all, unsentOnlyHere: unsentOnlyHere };
})();
