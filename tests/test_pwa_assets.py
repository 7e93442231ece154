"""How the PWA is served: the service worker's precache list, the manifest and its icons."""
import json
import re
from pathlib import Path

from PIL import Image

from jiandu.web import assets

ROOT = Path(__file__).resolve().parents[1]
PWA = ROOT / "pwa"
PRELUDE = re.compile(r"^self\.__PRECACHE = (\{.*\});\n")


def pwa_files() -> set[str]:
    return {"/app/" + p.relative_to(PWA).as_posix() for p in PWA.rglob("*")
            if p.is_file() and assets.is_served(p.relative_to(PWA))}


def precache_of(response) -> dict:
    text = response.get_data(as_text=True)
    found = PRELUDE.match(text)
    assert found, text[:200]
    return json.loads(found.group(1))


def test_sw_lists_every_pwa_file_with_a_revision(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    precache = precache_of(response)
    assert re.fullmatch(r"[0-9a-f]{16}", precache["version"])
    urls = [entry["url"] for entry in precache["files"]]
    assert len(urls) == len(set(urls))
    assert set(urls) == pwa_files() | {"/"}
    for must in ("/", "/app/index.html", "/app/js/app.js", "/app/js/api.js", "/app/js/i18n.js",
                 "/app/js/views/index.js", "/app/css/base.css", "/app/css/print.css", "/app/manifest.webmanifest",
                 "/app/icons/icon-192.png", "/app/icons/icon-512.png"):
        assert must in urls
    for entry in precache["files"]:
        assert re.fullmatch(r"[0-9a-f]{16}", entry["revision"]), entry
    # The worker itself follows the prelude.
    body = response.get_data(as_text=True)
    assert "self.__PRECACHE" in body.splitlines()[0]
    assert 'addEventListener("install"' in body and 'addEventListener("fetch"' in body


def test_every_listed_file_is_served(client):
    precache = precache_of(client.get("/sw.js"))
    for entry in precache["files"]:
        response = client.get(entry["url"])
        response.close()  # a file sent from disk stays open until its answer is closed
        assert response.status_code == 200, entry["url"]


def test_version_changes_when_a_file_changes(tmp_path, monkeypatch):
    before = assets.precache_manifest(-1.0)
    # A copy of pwa/ with one file changed: the real tree is never touched.
    copy = tmp_path / "pwa"
    for path in PWA.rglob("*"):
        if path.is_file():
            target = copy / path.relative_to(PWA)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    monkeypatch.setattr(assets, "PWA_DIR", copy)
    same = assets.precache_manifest(-2.0)
    assert same == before  # same content, same version: the stamp only busts the memo

    (copy / "css" / "base.css").write_text((PWA / "css" / "base.css").read_text(encoding="utf-8") + "\n/* x */\n",
                                           encoding="utf-8")
    changed = assets.precache_manifest(-3.0)
    assert changed["version"] != before["version"]
    revisions = {e["url"]: e["revision"] for e in changed["files"]}
    old_revisions = {e["url"]: e["revision"] for e in before["files"]}
    assert revisions["/app/css/base.css"] != old_revisions["/app/css/base.css"]
    assert revisions["/app/js/app.js"] == old_revisions["/app/js/app.js"]

    (copy / "js" / "extra.js").write_text("export const x = 1;\n", encoding="utf-8")
    added = assets.precache_manifest(-4.0)
    assert "/app/js/extra.js" in {e["url"] for e in added["files"]}
    assert added["version"] != changed["version"]
    assets.precache_manifest.cache_clear()


def test_version_changes_when_the_worker_changes(tmp_path, monkeypatch):
    before = assets.precache_manifest(-5.0)
    copy = tmp_path / "service-worker"
    copy.mkdir()
    for path in assets.SW_FILE.parent.glob("*.js"):
        (copy / path.name).write_bytes(path.read_bytes())
    worker = copy / assets.SW_FILE.name
    worker.write_text(assets.SW_FILE.read_text(encoding="utf-8") + "\n// changed\n", encoding="utf-8")
    if hasattr(assets, "SW_DIR"):
        monkeypatch.setattr(assets, "SW_DIR", copy)
    monkeypatch.setattr(assets, "SW_FILE", worker)
    after = assets.precache_manifest(-6.0)
    assert after["version"] != before["version"]
    assert after["files"] == before["files"]  # only the worker changed
    assets.precache_manifest.cache_clear()


def test_manifest_is_valid_json_with_icons_of_the_stated_sizes(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    response.close()
    assert manifest["name"] == "监督 · 营商环境智慧监督平台"
    assert manifest["short_name"] == "监督"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["lang"] == "zh-CN"
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", manifest["theme_color"])
    purposes = {}
    for icon in manifest["icons"]:
        assert icon["src"].startswith("/app/") and icon["type"] == "image/png"
        path = PWA / icon["src"].removeprefix("/app/")
        assert path.is_file(), path
        width, height = (int(n) for n in icon["sizes"].split("x"))
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert image.size == (width, height), (path, image.size)
        served = client.get(icon["src"])
        served.close()
        assert served.status_code == 200 and served.mimetype == "image/png"
        for purpose in icon.get("purpose", "any").split():
            purposes.setdefault(purpose, set()).add(icon["sizes"])
    assert purposes["any"] >= {"192x192", "512x512"}
    assert purposes["maskable"] >= {"192x192", "512x512"}


def test_shell_is_served_with_a_strict_csp_and_no_inline_code(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    response.close()
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert '<script type="module" src="/app/js/app.js"></script>' in html
    assert '<link rel="stylesheet" href="/app/css/base.css">' in html
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    # Nothing inline that the CSP would block, nothing from another origin.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\bon[a-z]+=", html)
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html)


def test_the_shell_loads_every_stylesheet_once_in_cascade_order():
    """base, layout, components, then one file per capability, print last: later files may override
    earlier ones at equal specificity, so the order is part of how screens look."""
    html = (PWA / "index.html").read_text(encoding="utf-8")
    linked = re.findall(r'<link rel="stylesheet" href="/app/css/([\w-]+\.css)">', html)
    assert sorted(linked) == sorted(p.name for p in (PWA / "css").glob("*.css"))
    assert linked[:3] == ["base.css", "layout.css", "components.css"]
    assert linked[-1] == "print.css"
    assert "@media print" not in "".join((PWA / "css" / name).read_text(encoding="utf-8") for name in linked[:-1])


def test_no_outside_resources_or_inline_styles_in_the_code():
    """No CDN, no web font, no eval; styles set from HTML strings would break under the CSP."""
    for path in [*PWA.rglob("*"), assets.SW_FILE]:
        if path.suffix not in {".js", ".css", ".html", ".webmanifest"}:
            continue
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text.replace("http://www.w3.org", "")), path
        assert "@font-face" not in text and "@import" not in text, path
        if path.suffix == ".js":
            assert not re.search(r"\beval\(|new Function\(|innerHTML|insertAdjacentHTML|document\.write", text), path


def _dictionaries() -> dict[str, set[str]]:
    text = (PWA / "js" / "i18n.js").read_text(encoding="utf-8")
    zh_start, en_start = text.index("\n  zh: {"), text.index("\n  en: {")
    end = text.index("\n};", en_start)
    key = re.compile(r'^\s+"([\w.]+)":', re.M)
    return {"zh": set(key.findall(text[zh_start:en_start])), "en": set(key.findall(text[en_start:end]))}


def test_every_string_key_the_code_uses_is_translated():
    """t("key") with a literal key: the key exists, in i18n.js or in a screen's addMessages()."""
    dictionaries = _dictionaries()
    # English alone translates the server's refusals (error.code.*, error.status.*): the server
    # already answers in Chinese.
    english = {k for k in dictionaries["en"] if not k.startswith(("error.code.", "error.status."))}
    assert dictionaries["zh"] == english, dictionaries["zh"] ^ english
    used, defined = set(), set(dictionaries["zh"])
    for path in (PWA / "js").rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\(\s*"([\w.]+)"', text))
        used |= set(re.findall(r'\btitle: "([\w.]+)"', text))
        if path.name != "i18n.js" and "addMessages(" in text:
            defined |= set(re.findall(r'"([\w.]+)"\s*:', text))
    missing = sorted(k for k in used if k not in defined)
    assert not missing, missing


def test_every_relative_import_in_the_app_names_a_file_that_is_served():
    """Screens live in a folder per capability (js/views/<capability>/): a moved file breaks no import."""
    imports = re.compile(r'(?:\bfrom|^import)\s+"(\.{1,2}/[^"]+)"', re.M)
    broken = []
    for path in (PWA / "js").rglob("*.js"):
        for target in imports.findall(path.read_text(encoding="utf-8")):
            resolved = (path.parent / target).resolve()
            if not resolved.is_file() or not assets.is_served(resolved.relative_to(PWA)):
                broken.append(f"{path.relative_to(PWA)} → {target}")
    assert not broken, broken
    # views/index.js lists every screen; the screens themselves sit in their capability's folder.
    assert [p.name for p in (PWA / "js" / "views").glob("*.js")] == ["index.js"]
    assert {p.parent.name for p in (PWA / "js" / "views").rglob("*.js") if p.parent.name != "views"} == {
        "shell", "org", "intake", "cases", "fieldwork", "notify", "projects", "signs"}
