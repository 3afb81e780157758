"""Still frames converted once: the same stream as Manim's own encoder, byte for byte."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import av
import pytest

from support.paths import ROOT

# A scene that holds still for two seconds after one animation, rendered by Manim with
# its own encoder or with production.encoding's; prints the movie's path.
SCENE = textwrap.dedent(
    """
    import sys
    from manim import FadeIn, RED, Scene, Square, Text, tempconfig
    if sys.argv[1] == "converted-once":
        from production.encoding import install_still_frame_encoding
        install_still_frame_encoding()
        install_still_frame_encoding()  # twice: installing is idempotent
    settings = {"media_dir": sys.argv[2], "quality": "low_quality", "disable_caching": True,
                "progress_bar": "none", "verbosity": "ERROR", "output_file": "still"}
    with tempconfig(settings):
        class Still(Scene):
            def construct(self):
                self.add(Text("0.47 0.06", font="DejaVu Sans Mono"))
                self.play(FadeIn(Square(color=RED)), run_time=0.5)
                self.wait(2)
        scene = Still()
        scene.render()
        print(scene.renderer.file_writer.movie_file_path)
    """
)


def _packets(path: str) -> list[bytes]:
    with av.open(path) as container:
        return [bytes(packet) for packet in container.demux(container.streams.video[0]) if packet.size]


@pytest.mark.render
def test_a_held_picture_encodes_to_the_same_bytes_as_manims_own_encoder(tmp_path):
    movies = {}
    for mode in ("manim", "converted-once"):
        done = subprocess.run(
            [sys.executable, "-c", SCENE, mode, str(tmp_path / mode)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        movies[mode] = done.stdout.strip().splitlines()[-1]
    ours, theirs = _packets(movies["converted-once"]), _packets(movies["manim"])
    assert len(theirs) >= 15 * 2  # the two seconds held, at 15 fps
    assert ours == theirs
