"""The floor plan holds: dependencies point one way, and no backend module outgrows a reader."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
MOST_LINES = 400


def test_dependencies_point_one_way():
    """pyproject.toml [tool.importlinter]: the core and org know no workflow, cases no channel, notify
    no domain, channels not one another — checked over the whole import graph, imports in functions too."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), str(ROOT / "pyproject.toml"), "--no-cache", "--no-logo"],
                            cwd=BACKEND, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout


def test_no_backend_module_is_over_four_hundred_lines():
    sizes = {str(path.relative_to(BACKEND)): len(path.read_text(encoding="utf-8").splitlines())
             for path in (BACKEND / "jiandu").rglob("*.py")}
    assert {name: lines for name, lines in sizes.items() if lines > MOST_LINES} == {}
