"""Printable QR signs: codes, templates in qr-templates/, batches rendered by RQ workers."""
import sys
from pathlib import Path

# The code that runs in the render processes is a top-level module (`jiandu_sign_proc`), so that
# those processes import WeasyPrint without importing the app; it lives in proc/.
PROC_DIR = str(Path(__file__).resolve().parent / "proc")
if PROC_DIR not in sys.path:
    sys.path.append(PROC_DIR)
