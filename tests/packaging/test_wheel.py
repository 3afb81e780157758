"""The wheel, installed (not editable) in a scratch environment, used as Manim, script and notebook users do.

The wheel is built from a copy of the source tree, then installed with
``--no-deps --no-index`` into a new virtual environment that sees the project
environment's libraries (Manim, NumPy, ...) through a ``.pth`` line but not its
editable install of this project (a folder named in a ``.pth`` file is added
to ``sys.path`` without its own ``.pth`` files being run). Every command runs
in a scratch folder, so nothing is imported from the source tree.

- plain ``manim -ql``, on the installed scene file, draws the default lesson
  and, with ``manim.cfg`` naming one, that lesson: its last frame is the one
  ``attention_video.preview`` makes of the same lesson, and not the default's;
- a five-line script renders two topics through the Python API and gets back
  the paths it wrote, the videos at the quality's frame rate (15 fps at low);
- a notebook executed headlessly (nbclient) shows a preview inline, as a PNG.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import site
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from support.paths import ROOT

pytestmark = [pytest.mark.render, pytest.mark.xdist_group("packaging-wheel")]

#: Left out of the copy the wheel is built from: environments, output, build leftovers.
_NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "media",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".*cache",
    ".hypothesis",
    ".stamps",
)
#: A lesson of our own, so that what is drawn can only have come from it.
CFG_LESSON = """\
description = "Cats on mats, a lesson named in manim.cfg"
tokens = ["cat", "sat", "mat"]
embeddings = [[0.9, -0.4], [0.1, 0.8], [-0.7, 0.3]]
w_q = [[1.0, 0.0], [0.0, 1.0]]
w_k = [[1.0, 0.0], [0.0, 1.0]]
w_v = [[1.0, 0.0], [0.0, 1.0]]
"""
#: Low quality: 854 x 480 pixels at 15 frames per second (production.settings.QUALITIES, Manim's -ql).
LOW = (854, 480, 15)


@dataclass(frozen=True)
class Scratch:
    """A virtual environment with the wheel installed, and the folder its files are in."""

    python: Path
    site_packages: Path

    def run(self, *args: str | Path, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run the scratch environment's Python with ``args`` in ``cwd``; fail with its output if it fails."""
        done = subprocess.run(
            [str(self.python), *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        return done


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Scratch:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=_NOT_SOURCE, symlinks=True)
    wheels = base / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            wheels,
            source,
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [wheel] = wheels.glob("attention_video-*.whl")
    env = base / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env], check=True, timeout=120)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    site_packages = Path(purelib)
    # The project environment's libraries, without their .pth files (its editable install of this project).
    libraries = [path for path in site.getsitepackages() if Path(path).is_dir()]
    (site_packages / "project-libraries.pth").write_text("\n".join(libraries) + "\n", encoding="utf-8")
    subprocess.run(
        [python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel],
        check=True,
        capture_output=True,
        timeout=300,
        cwd=base,
    )
    return Scratch(python, site_packages)


def _frame(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)


def test_the_installed_package_is_the_wheel_s_not_the_source_tree(scratch, tmp_path):
    found = scratch.run(
        "-c",
        "import attention_video, render, scenes, scenes.kit, production, attention_math\n"
        "for m in (attention_video, render, scenes, production, attention_math): print(m.__file__)\n"
        "print(attention_video.__version__)",
        cwd=tmp_path,
    ).stdout.split()
    *files, version = found
    assert all(Path(file).is_relative_to(scratch.site_packages) for file in files), files
    assert version == "0.1.0"
    as_script = scratch.run(scratch.site_packages / "render.py", "--help", cwd=tmp_path).stdout
    assert as_script.startswith("Usage: render.py [OPTIONS]")
    command = scratch.python.parent / "attention-video"
    helped = subprocess.run([command, "--help"], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert helped.stdout.startswith("Usage: attention-video [OPTIONS]")
    versioned = subprocess.run(
        [command, "--version"], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert versioned.stdout.strip() == "attention-video 0.1.0"


def test_plain_manim_renders_the_default_lesson_and_the_one_manim_cfg_names(scratch, tmp_path):
    scene_file = scratch.site_packages / "scenes" / "embeddings.py"
    assert scene_file.is_file()
    frames = {}
    for name in ("default", "configured"):
        folder = tmp_path / name
        folder.mkdir()
        if name == "configured":
            (folder / "cats.toml").write_text(CFG_LESSON, encoding="utf-8")
            (folder / "manim.cfg").write_text("[CLI]\nattention_video_lesson = cats.toml\n", encoding="utf-8")
        # -s: the last frame only, as a PNG (what --preview renders through the project's own path).
        scratch.run(
            "-m", "manim", "-ql", "-s", "--progress_bar", "none", scene_file, "EmbeddingsScene", cwd=folder
        )
        [png] = (folder / "media" / "images").rglob("*.png")
        frames[name] = _frame(png)
    # The same frames through the project's own path, in one process.
    posters = json.loads(
        scratch.run(
            "-c",
            "import json, attention_video as av\n"
            "print(json.dumps([str(av.preview(None, 'embeddings', quality='low', out='p')),\n"
            "                  str(av.preview('cats.toml', 'embeddings', quality='low', out='p'))]))",
            cwd=tmp_path / "configured",
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    default, configured = (_frame(Path(tmp_path / "configured" / poster)) for poster in posters)
    assert frames["default"].shape == configured.shape == (LOW[1], LOW[0], 3)

    def differs(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.abs(a - b).mean())

    # Each manim frame is the preview of its own lesson (up to anti-aliasing), far from the other's.
    assert differs(frames["default"], default) < 0.5
    assert differs(frames["configured"], configured) < 0.5
    assert differs(frames["configured"], default) > 5 * max(differs(frames["configured"], configured), 0.2)
    assert differs(frames["default"], configured) > 5 * max(differs(frames["default"], default), 0.2)


def test_a_five_line_script_renders_two_topics_through_the_api(scratch, tmp_path):
    script = tmp_path / "course.py"
    script.write_text(
        textwrap.dedent(
            """\
            import json
            import attention_video

            topics = ["embeddings", "scores"]
            paths = attention_video.render("i-love-coding", topics=topics, quality="low", narration=False)
            print(json.dumps([str(path) for path in paths]))
            """
        ),
        encoding="utf-8",
    )
    printed = scratch.run(script, cwd=tmp_path).stdout.strip().splitlines()[-1]
    paths = [Path(path) for path in json.loads(printed)]
    out = tmp_path / "media" / "i-love-coding"
    for topic in ("embeddings", "scores"):
        for name in (f"{topic}.mp4", f"{topic}.png", f"{topic}.numbers.json", f"{topic}.vtt"):
            assert out / name in paths
    assert all(path.is_file() and path.stat().st_size > 0 for path in paths)
    assert set(paths) == {path for path in out.rglob("*") if path.is_file()}
    for topic in ("embeddings", "scores"):
        with av.open(str(out / f"{topic}.mp4")) as container:
            stream = container.streams.video[0]
            assert (stream.width, stream.height, stream.average_rate) == LOW
        numbers = json.loads((out / f"{topic}.numbers.json").read_text(encoding="utf-8"))
        assert numbers["example"] == "i-love-coding"


def test_a_notebook_run_headlessly_shows_a_preview_inline(scratch, tmp_path):
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "import scenes\nprint(scenes.__file__)",
                "outputs": [],
                "execution_count": None,
            },
            {
                "cell_type": "code",
                "metadata": {},
                "source": "import attention_video\n"
                "attention_video.show('embeddings', preview=True, quality='low')",
                "outputs": [],
                "execution_count": None,
            },
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "lesson.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    scratch.run(
        "-c",
        "import nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read('lesson.ipynb', as_version=4)\n"
        "NotebookClient(nb, timeout=240, kernel_name='python3').execute()\n"
        "nbformat.write(nb, 'ran.ipynb')",
        cwd=tmp_path,
    )
    ran = json.loads((tmp_path / "ran.ipynb").read_text(encoding="utf-8"))
    where = "".join(ran["cells"][0]["outputs"][0]["text"]).strip()
    assert Path(where).is_relative_to(scratch.site_packages)  # the kernel ran the installed wheel
    [shown] = [output for output in ran["cells"][1]["outputs"] if output["output_type"] == "execute_result"]
    image = Image.open(io.BytesIO(base64.b64decode(shown["data"]["image/png"])))
    assert image.format == "PNG" and image.size == LOW[:2]
    # Nothing else printed: no progress bar, no log line.
    assert [output["output_type"] for output in ran["cells"][1]["outputs"]] == ["execute_result"]
