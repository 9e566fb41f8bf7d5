"""The README's Python example runs as written and prints what its comments promise."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_example_trains_and_replays_within_its_promise(tmp_path):
    readme = (ROOT / "README.md").read_text()
    example = re.search(r"```python\n(# example\.py.*?)```", readme, re.S).group(1)
    script = tmp_path / "example.py"
    script.write_text(example)
    out = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.strip().splitlines()
    assert lines[-2] == "(1, 20, 16)"
    assert float(lines[-1]) < 1e-5
    assert any(line.startswith("running") for line in lines), "progress is readable while the job runs"
