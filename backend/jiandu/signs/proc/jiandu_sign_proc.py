"""The code that runs inside a sign-rendering process: HTML in, PDF file out; and the final join.

Loaded as a top-level module (its folder is put on sys.path by `jiandu.signs.render`) so that a
spawned process imports WeasyPrint or pypdf and nothing else: not the app, Flask or SQLAlchemy.
That keeps each process small (the budget is 150 MB per process, whatever the batch size).
Heavy modules are imported inside the functions that need them.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

PX_PT = 0.75  # a CSS px is 3/4 of a PDF point

_FETCHER = None
_FONT_CONFIG = None
_ROOTS: tuple[Path, ...] = ()


def peak_rss_mb() -> float:
    """Peak resident memory of this process, in MB.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss across exec, so a spawned child
    would report its parent's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def init(parent_pid: int, roots: list[str]) -> None:
    """Pool initializer: remember where files may come from, and die with the parent."""
    set_roots(roots)

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(0.5)

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


def set_roots(roots) -> None:
    global _ROOTS
    _ROOTS = tuple(Path(r).resolve() for r in roots)


def fetcher():
    """Only local files under the template folder (and the batch's own work folder) may be loaded."""
    global _FETCHER
    if _FETCHER is None:
        from weasyprint import URLFetcher

        class LocalFilesOnly(URLFetcher):
            def fetch(self, url, headers=None):
                parsed = urlparse(url)
                if parsed.scheme != "file":
                    raise ValueError(f"signs may not load {url}")
                path = Path(unquote(parsed.path)).resolve()
                if not any(root == path or root in path.parents for root in _ROOTS):
                    raise ValueError(f"signs may not load {url}")
                return super().fetch(url, headers)

        _FETCHER = LocalFilesOnly(allowed_protocols=("file",))
    return _FETCHER


def font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def document(html: str, base_url: str):
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url, url_fetcher=fetcher()).render(font_config=font_config())


# --- fonts: HarfBuzz through cffi (coverage checks and per-batch subsets) -------------------------

_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
typedef uint32_t hb_codepoint_t;
typedef int hb_bool_t;
hb_blob_t * hb_blob_create_from_file_or_fail (const char *file_name);
hb_face_t * hb_face_create (hb_blob_t *blob, unsigned int index);
hb_blob_t * hb_face_reference_blob (hb_face_t *face);
const char * hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
void hb_blob_destroy (hb_blob_t *blob);
void hb_face_destroy (hb_face_t *face);
hb_set_t * hb_set_create (void);
void hb_set_add (hb_set_t *set, hb_codepoint_t codepoint);
hb_bool_t hb_set_has (const hb_set_t *set, hb_codepoint_t codepoint);
void hb_face_collect_unicodes (hb_face_t *face, hb_set_t *out);
hb_subset_input_t * hb_subset_input_create_or_fail (void);
void hb_subset_input_destroy (hb_subset_input_t *input);
hb_set_t * hb_subset_input_unicode_set (hb_subset_input_t *input);
hb_face_t * hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
"""
_HARFBUZZ = []


def harfbuzz():
    """(ffi, libharfbuzz, libharfbuzz-subset), or None when the libraries are missing."""
    if not _HARFBUZZ:
        try:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef(_HB_CDEF)
            _HARFBUZZ.append((ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0")))
        except Exception:
            _HARFBUZZ.append(None)
    return _HARFBUZZ[0]


def subset_font(path: str, index: int, characters: str) -> bytes | None:
    """A font cut down to `characters`, OpenType layout kept (so Mongolian still joins)."""
    loaded = harfbuzz()
    if loaded is None:
        return None
    ffi, hb, hbs = loaded
    blob = hb.hb_blob_create_from_file_or_fail(path.encode())
    if blob == ffi.NULL:
        return None
    face = hb.hb_face_create(blob, index)
    subset_input = hbs.hb_subset_input_create_or_fail()
    result = ffi.NULL
    try:
        unicodes = hbs.hb_subset_input_unicode_set(subset_input)
        for char in characters:
            hb.hb_set_add(unicodes, ord(char))
        result = hbs.hb_subset_or_fail(face, subset_input)
        if result == ffi.NULL:
            return None
        out = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = ffi.buffer(hb.hb_blob_get_data(out, length), length[0])[:]
        hb.hb_blob_destroy(out)
        return data or None
    finally:
        if result != ffi.NULL:
            hb.hb_face_destroy(result)
        hbs.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def font_faces(fonts: list[tuple[str, str, int, str, str]], characters: str, folder: str) -> dict:
    """Subsets of (key, path, index, css family, css weight) into `folder`; the @font-face rules.

    All or nothing: with one face missing, Pango would fake it from another (a synthetic bold)
    instead of falling back to the system family. '' means: use the system fonts.
    """
    started = time.perf_counter()
    characters = "".join(sorted(set(characters) | {chr(c) for c in range(0x20, 0x7f)}))
    rules = []
    for key, path, index, family, weight in fonts:
        data = subset_font(path, index, characters)
        if not data:
            rules = []
            break
        target = Path(folder) / f"{key}.otf"
        target.write_bytes(data)
        rules.append(f'@font-face {{ font-family: "{family}"; src: url("{target.resolve().as_uri()}"); '
                     f"font-weight: {weight}; }}")
    return {"css": "\n".join(rules), "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(),
            "pid": os.getpid()}


# --- codes drawn into their slots ----------------------------------------------------------------

def qr_slots(doc) -> list[tuple]:
    """Where the QR codes go: (page index, x, y, size, matrix, content), in CSS px of the page,
    `matrix` being the transform of a rotated or scaled ancestor (its 6 values) or None.

    In the variable layer a code is an empty box with its content in `data-qr`; its drawing,
    cached as PDF operators, is put into that box when the PDF is written.
    """
    slots = []

    def walk(box, matrix, index, seen):
        own = getattr(box, "transformation_matrix", None)
        if own is not None:
            matrix = own @ matrix if matrix is not None else own
        element = getattr(box, "element", None)
        if element is not None and hasattr(element, "get") and box.element_tag == "div" and id(element) not in seen:
            content = element.get("data-qr")
            if content:
                seen.add(id(element))
                values = tuple(matrix.values) if matrix is not None else None
                slots.append((index, box.border_box_x(), box.border_box_y(), box.border_width(), values, content))
        for child in getattr(box, "children", ()):
            child = getattr(child, "_box", child)  # absolutely positioned boxes sit behind placeholders
            walk(child, matrix, index, seen)

    for index, page in enumerate(doc.pages):
        walk(page._page_box, None, index, set())
    return slots


def _compose(first, second):
    """Affine maps as (a, b, c, d, e, f), row vectors: apply `first`, then `second`."""
    a1, b1, c1, d1, e1, f1 = first
    a2, b2, c2, d2, e2, f2 = second
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def qr_drawing(x: float, y: float, size: float, matrix, page_height_pt: float, modules: int, ops: str) -> str:
    """PDF operators drawing a code (white square, then its modules) into a box of the page.

    Module space → CSS px of the box → the ancestors' transform → PDF points (y upwards).
    """
    scale = size / modules
    total = (scale, 0, 0, scale, x, y)
    if matrix is not None:
        total = _compose(total, matrix)
    total = _compose(total, (PX_PT, 0, 0, -PX_PT, 0, page_height_pt))
    cm = " ".join(f"{v:.5f}" for v in total)
    return f"q {cm} cm 1 g 0 0 {modules} {modules} re f\n{ops}\nQ\n"


def _draw_codes(doc, slots, codes):
    """A WeasyPrint finisher: append each page's codes to its content, after the page's own."""
    import pydyf

    def finisher(_document, pdf):
        by_page: dict[int, list[str]] = {}
        for index, x, y, size, matrix, content in slots:
            modules, ops = codes[content]
            height = doc.pages[index].height * PX_PT
            by_page.setdefault(index, []).append(qr_drawing(x, y, size, matrix, height, modules, ops))
        save, restore = pydyf.Stream([b"q"]), pydyf.Stream([b"Q"])
        pdf.add_object(save)
        pdf.add_object(restore)
        numbers = pdf.pages["Kids"][::3]
        for index, drawings in by_page.items():
            page = pdf.objects[numbers[index]]
            stream = pydyf.Stream(["".join(drawings).encode()], compress=True)
            pdf.add_object(stream)
            page["Contents"] = pydyf.Array([save.reference, page["Contents"], restore.reference, stream.reference])

    return finisher


def render(html: str, base_url: str, out_path: str, codes: dict | None = None) -> dict:
    """One document to one PDF file (written whole, then renamed); returns what the parent reports.

    codes: {content: (modules, PDF operators)} for the QR slots of the document.
    """
    started = time.perf_counter()
    doc = document(html, base_url)
    slots = qr_slots(doc) if codes is not None else []
    missing = [content for *_, content in slots if content not in codes] if slots else []
    if missing:
        raise RuntimeError(f"no drawing for code {missing[0]}")
    result = {"pages": len(doc.pages), "codes": len(slots)}
    temporary = f"{out_path}.{os.getpid()}.tmp"
    doc.write_pdf(temporary, finisher=_draw_codes(doc, slots, codes) if slots else None)
    os.replace(temporary, out_path)
    del doc
    result.update(seconds=time.perf_counter() - started, peak_rss_mb=peak_rss_mb(), pid=os.getpid())
    return result


FONT_FACES_MARK = "/*jiandu-font-faces*/"


def render_single(html: str, base_url: str, out_path: str, font_args: tuple) -> dict:
    """A small document in one go (a preview, a single sign): subsets, then both layers at once.
    The HTML carries FONT_FACES_MARK where the subsets' @font-face rules go."""
    faces = font_faces(*font_args)["css"]
    return render(html.replace(FONT_FACES_MARK, faces), base_url, out_path)


# --- the join ------------------------------------------------------------------------------------

def merge(parts: list[str], target: str, static_pdf: str | None = None, page_keys: list[int] | None = None) -> dict:
    """Join chunk PDFs in order into `target`; beneath page i goes static page `page_keys[i]`,
    as a Form XObject stored once in the file."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    started = time.perf_counter()

    def stream(data: bytes, compress: bool = False):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj.flate_encode() if compress else obj)

    writer = PdfWriter()
    forms = []
    if static_pdf:
        for page in PdfReader(static_pdf).pages:
            form = DecodedStreamObject()
            form.set_data(page.get_contents().get_data())
            form.update({
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(page.mediabox),
                NameObject("/Resources"): page["/Resources"].get_object().clone(writer),
            })
            name = NameObject(f"/JDStatic{len(forms)}")
            forms.append((name, writer._add_object(form.flate_encode()), stream(f"q {name} Do Q\n".encode())))
    for part in parts:
        writer.append(part)
    pages = len(writer.pages)
    if static_pdf:
        if page_keys is None or len(page_keys) != pages:
            raise RuntimeError(f"layout gave {pages} pages for {len(page_keys or [])} sheets")
        for page, key in zip(writer.pages, page_keys):
            name, form_ref, call_ref = forms[key]
            resources = page["/Resources"].get_object()
            if "/XObject" not in resources:
                resources[NameObject("/XObject")] = DictionaryObject()
            resources["/XObject"].get_object()[name] = form_ref
            contents = page.get("/Contents")
            existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
            page[NameObject("/Contents")] = ArrayObject([call_ref, *existing])
    with open(target, "wb") as out:
        writer.write(out)
        out.flush()
        os.fsync(out.fileno())
    writer.close()
    return {"pages": pages, "seconds": time.perf_counter() - started, "peak_rss_mb": peak_rss_mb(),
            "pid": os.getpid()}
