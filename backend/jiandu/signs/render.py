"""Turn sign data (plain dicts) into PDF: WeasyPrint on the templates of qr-templates/.

Nothing here touches the database or the app. A batch is made without doing any work twice:

- the *static* layer — what every sign of a sheet shares (title band, what to do, hotline, cut
  marks) — is laid out once per distinct sheet (usually once per batch), not once per sign;
- the *variable* layer — names, short codes — is laid out in chunks of sheets by a pool of
  spawned processes, two (the machine's cores), recycled every few chunks so that memory per
  process stays bounded whatever the batch size; the render processes import WeasyPrint, not
  the app (jiandu_sign_proc);
- the fonts are cut down once per batch to the batch's characters (HarfBuzz), so no process loads
  or subsets the 20 MB CJK faces again for every chunk;
- the QR codes, which never change, come as ready PDF drawing operators from a cache (qr.py) and
  are drawn straight into the empty boxes the variable layer leaves for them, by the render
  process, when it writes its chunk.

The chunks are joined in order (pypdf, in a process of its own) and each page gets its static
layer as a shared Form XObject drawn beneath it, stored once in the file. The result is written
under a temporary name and `os.replace`d over the target only when complete: a killed job never
leaves a half-written PDF under the final name.

`layer="all"` draws everything in one pass, QR codes included (previews, the plain baseline).
"""
from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from functools import lru_cache
from pathlib import Path
from typing import Callable

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from jiandu.signs import qr, subset
from jiandu.signs.catalog import TEMPLATES_ROOT, SignTemplate, get

import jiandu_sign_proc as proc  # noqa: E402  (top-level, see jiandu/signs/__init__.py)

CHUNK_SIGNS = 60          # signs per chunk (rounded to whole sheets)
TASKS_PER_CHILD = 8       # a render process is replaced after about this many chunks
WORKERS = max(1, min(2, os.cpu_count() or 1))


class RenderError(RuntimeError):
    pass


# --- HTML ------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _jinja():
    return Environment(loader=FileSystemLoader(str(TEMPLATES_ROOT)), autoescape=select_autoescape(default=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def size_class(size: float) -> str:
    return "s" + f"{size:g}".replace(".", "_")


@lru_cache(maxsize=64)
def field_css(template_name: str) -> str:
    """Boxes of the fitted fields and every font size they may take, as classes (no inline styles:
    WeasyPrint parses each style attribute on its own, classes are parsed once)."""
    template = get(template_name)
    rules = []
    sizes = set()
    for name, spec in template.fields.items():
        if spec.font == "mongolian":
            rules.append(f".f-{name} {{ width: {spec.height_mm:g}mm; height: {spec.width_mm:g}mm; }}")
        else:
            rules.append(f".f-{name} {{ width: {spec.width_mm:g}mm; height: {spec.height_mm:g}mm; }}")
        sizes.update(spec.sizes_pt)
    for size in sorted(sizes):
        rules.append(f".{size_class(size)} {{ font-size: {size:g}pt; }}")
    return "\n".join(rules)


def sheets(template: SignTemplate, signs: list[dict]) -> list[list[dict]]:
    per = template.per_page
    return [signs[i:i + per] for i in range(0, len(signs), per)]


def html_for(template: SignTemplate, sheet_list: list[list[dict]], layer: str = "all", font_faces: str = "") -> str:
    page = _jinja().get_template(f"{template.name}/template.html")
    return page.render(sheets=sheet_list, template=template, fields=template.fields, layer=layer,
                       show_static=layer != "variable", show_variable=layer != "static",
                       field_css=field_css(template.name), font_faces=font_faces, size_class=size_class)


@lru_cache(maxsize=64)
def template_text(template_name: str) -> str:
    """The text of a template's own files (its fixed words: titles, hints)."""
    template = get(template_name)
    return "".join(path.read_text(encoding="utf-8") for path in
                   (template.folder / "template.html", TEMPLATES_ROOT / "_base" / "sheets.html",
                    TEMPLATES_ROOT / "_base" / "macros.html"))


def characters(template: SignTemplate, signs: list[dict]) -> set[str]:
    """Every character the batch prints."""
    found = set(template_text(template.name))

    def walk(value):
        if isinstance(value, str):
            found.update(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key != "qr":
                    walk(item)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item)

    walk(signs)
    return found


def base_url(template: SignTemplate) -> str:
    return template.folder.resolve().as_uri() + "/"


def static_key(template: SignTemplate, sheet: list[dict]) -> str:
    """Sheets with the same key share their static layer."""
    return json.dumps([len(sheet)] + [[s["fit"].get(f) for f in template.static] + [s["type"]] for s in sheet],
                      ensure_ascii=False, sort_keys=True)


# --- one document, in this process -----------------------------------------------------------

def document(template: SignTemplate, signs: list[dict], layer: str = "all"):
    """The laid-out WeasyPrint document (tests inspect its boxes)."""
    proc.set_roots([str(TEMPLATES_ROOT)])
    return proc.document(html_for(template, sheets(template, signs), layer), base_url(template))


def write_pdf(template: SignTemplate, signs: list[dict], target) -> int:
    """Both layers in one pass into `target` (a path or a binary file); returns the page count."""
    doc = document(template, signs)
    doc.write_pdf(target)
    return len(doc.pages)


# --- a batch -----------------------------------------------------------------------------------

def single(template_name: str, signs: list[dict], target: str | os.PathLike) -> dict:
    """A few signs (a preview) in one spawned process, both layers at once, with font subsets:
    the calling process (a web worker) never loads WeasyPrint or the 20 MB fonts."""
    template = get(template_name)
    target = Path(target)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".single", dir=target.parent))
    try:
        fonts = work / "fonts"
        fonts.mkdir()
        html = html_for(template, sheets(template, signs), "all", proc.FONT_FACES_MARK)
        font_args = (subset.font_specs(), "".join(characters(template, signs)), str(fonts))
        out = str(work / "single.pdf")
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=proc.init,
                                 initargs=(os.getpid(), [str(TEMPLATES_ROOT), str(work)])) as pool:
            result = pool.submit(proc.render_single, html, base_url(template), out, font_args).result()
        os.replace(out, target)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def png_of_pdf(pdf: str | os.PathLike, dpi: int = 80, page: int = 1) -> bytes:
    """One page of a PDF as PNG (poppler's pdftoppm)."""
    with tempfile.TemporaryDirectory(prefix="jiandu-png-") as folder:
        root = Path(folder) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", str(int(dpi)), "-f", str(page), "-l", str(page), "-singlefile",
                        str(pdf), str(root)], check=True, capture_output=True, timeout=60)
        return (root.with_suffix(".png")).read_bytes()


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class _CodeFeeder:
    """Fetches (or makes) the codes of the chunks, in order, in a thread of its own, a few chunks
    ahead of the render processes: with an empty cache, making codes overlaps with rendering
    instead of holding up the next chunk. At most `ahead` chunks of codes wait in memory."""

    def __init__(self, symbols, chunk_urls: list[list[str]], ahead: int = 4):
        self.symbols, self.chunk_urls, self.ahead = symbols, chunk_urls, ahead
        self.ready: dict[int, dict] = {}
        self.wanted = 0
        self.error: BaseException | None = None
        self.stopped = False
        self.condition = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True, name="sign-codes")
        self.thread.start()

    def _run(self) -> None:
        for index, urls in enumerate(self.chunk_urls):
            with self.condition:
                self.condition.wait_for(lambda: self.stopped or index < self.wanted + self.ahead)
                if self.stopped:
                    return
            try:
                found = self.symbols(urls)
                codes = {url: (found[url]["modules"], found[url]["ops"]) for url in urls}
            except BaseException as error:  # handed to the caller of get()
                with self.condition:
                    self.error = error
                    self.condition.notify_all()
                return
            with self.condition:
                self.ready[index] = codes
                self.condition.notify_all()

    def get(self, index: int) -> dict:
        with self.condition:
            self.wanted = max(self.wanted, index)
            self.condition.notify_all()
            self.condition.wait_for(lambda: index in self.ready or self.error is not None)
            if index not in self.ready:
                raise self.error
            return self.ready.pop(index)

    def close(self) -> None:
        with self.condition:
            self.stopped = True
            self.condition.notify_all()
        self.thread.join(timeout=5)


def _default_symbols(urls: list[str]) -> dict[str, dict]:
    return qr.symbols(urls)


def render_to_file(template_name: str, signs: list[dict], target: str | os.PathLike, *,
                   workers: int = WORKERS, chunk_signs: int = CHUNK_SIGNS,
                   progress: Callable[[int, int], None] | None = None,
                   symbols: Callable[[list[str]], dict[str, dict]] | None = None) -> dict:
    """Render a whole batch into `target`, atomically. `progress(done, total)` after each chunk.

    `symbols(urls)` gives each code's drawing ({"modules", "ops"}); by default they are made here,
    the job passes the shared cache. They are fetched chunk by chunk, so the parent never holds
    more than one chunk's codes, its HTML included.
    """
    template = get(template_name)
    if template is None:
        raise RenderError(f"unknown template {template_name}")
    if not signs:
        raise RenderError("no signs to render")
    symbols = symbols or _default_symbols
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".parts", dir=target.parent))
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    started = time.perf_counter()
    stats = {"signs": len(signs), "workers": workers, "child_peak_rss_mb": 0.0, "chunk_seconds": 0.0}
    feeder = None
    try:
        all_sheets = sheets(template, signs)
        keys = [static_key(template, sheet) for sheet in all_sheets]
        distinct = list(dict.fromkeys(keys))
        first = {}
        for sheet, key in zip(all_sheets, keys):
            first.setdefault(key, sheet)
        page_keys = [distinct.index(k) for k in keys] if len(distinct) > 1 else [0] * len(keys)
        chunks = _chunks(all_sheets, max(1, chunk_signs // template.per_page))
        stats.update(chunks=len(chunks), static_pages=len(distinct))
        fonts = work / "fonts"
        fonts.mkdir()
        font_args = (subset.font_specs(), "".join(characters(template, signs)), str(fonts))
        faces = ""
        static_pdf = str(work / "static.pdf")
        parts = [str(work / f"{i:05d}.pdf") for i in range(len(chunks))]
        base = base_url(template)
        roots = [str(TEMPLATES_ROOT), str(work)]
        done = 0
        feeder = _CodeFeeder(symbols, [[s["url"] for sheet in chunk for s in sheet] for chunk in chunks])

        def task(index: int):
            """(function, args, signs) of task `index`: 0 is the static layer, then the chunks."""
            if index == 0:
                return proc.render, (html_for(template, [first[k] for k in distinct], "static", faces), base,
                                     static_pdf), 0
            chunk = chunks[index - 1]
            codes = feeder.get(index - 1)
            return proc.render, (html_for(template, chunk, "variable", faces), base, parts[index - 1], codes), \
                sum(len(sheet) for sheet in chunk)

        def finished(result: dict, count: int):
            nonlocal done
            stats["child_peak_rss_mb"] = max(stats["child_peak_rss_mb"], result["peak_rss_mb"])
            stats["chunk_seconds"] += result["seconds"]
            done += count
            if progress and count:
                progress(done, len(signs))

        count_tasks = len(chunks) + 1
        if workers <= 1:
            proc.set_roots(roots)
            faces = proc.font_faces(*font_args)["css"]
            for index in range(count_tasks):
                function, args, count = task(index)
                finished(function(*args), count)
            merged = proc.merge(parts, str(temporary), static_pdf, page_keys)
        else:
            # Python 3.11's max_tasks_per_child can deadlock when a worker is replaced, so the
            # processes are recycled by hand: a fresh pool for every `workers × TASKS_PER_CHILD` tasks.
            # Tasks are handed out as processes free up, so only a few chunks' HTML exist at once.
            context = multiprocessing.get_context("spawn")
            wave = workers * TASKS_PER_CHILD
            for start in range(0, count_tasks, wave):
                indexes = iter(range(start, min(start + wave, count_tasks)))
                with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=proc.init,
                                         initargs=(os.getpid(), roots)) as pool:
                    if start == 0:  # the font subsets first (in a render process: HarfBuzz maps 20 MB files)
                        made = pool.submit(proc.font_faces, *font_args).result()
                        faces = made["css"]
                        stats["child_peak_rss_mb"] = max(stats["child_peak_rss_mb"], made["peak_rss_mb"])
                    pending = {}

                    def submit_next():
                        index = next(indexes, None)
                        if index is not None:
                            function, args, count = task(index)
                            pending[pool.submit(function, *args)] = count

                    for _ in range(workers + 1):
                        submit_next()
                    while pending:
                        ready, _ = wait(list(pending), return_when=FIRST_COMPLETED)
                        for future in ready:
                            finished(future.result(), pending.pop(future))
                            submit_next()
            # The join runs in a process of its own too: pypdf holds the whole document.
            with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=proc.init,
                                     initargs=(os.getpid(), roots)) as pool:
                merged = pool.submit(proc.merge, parts, str(temporary), static_pdf, page_keys).result()
        stats["pages"] = merged["pages"]
        stats["merge_seconds"] = merged["seconds"]
        stats["child_peak_rss_mb"] = max(stats["child_peak_rss_mb"], merged["peak_rss_mb"])
        os.replace(temporary, target)
    finally:
        if feeder is not None:
            feeder.close()
        shutil.rmtree(work, ignore_errors=True)
        if temporary.exists():
            temporary.unlink()
    stats["seconds"] = time.perf_counter() - started
    stats["parent_peak_rss_mb"] = proc.peak_rss_mb()
    return stats
