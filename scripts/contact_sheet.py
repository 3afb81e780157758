"""A contact sheet of a rendered topic: the first frame and the last frame of every step.

Usage::

    python scripts/contact_sheet.py media/default/multihead.mp4 [-o sheet.png] [--columns 3]

Reads the video and its ``T.sections/index.json`` (``T.webm.sections/`` for a WebM; written by every video
render) and tiles, in order, frame 0 and the frame just before each step ends,
each under its step's caption, into one PNG (default: ``T.sheet.png`` beside
the video). This is how a person looks at what a step leaves on screen.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from PIL import Image, ImageDraw, ImageFont

from production.output import sections_name


def _frames_at(video: Path, times: list[float]) -> list[Image.Image]:
    """The decoded frame shown at each of ``times`` (seconds), in order."""
    import av

    wanted = sorted(range(len(times)), key=lambda i: times[i])
    found: dict[int, Image.Image] = {}
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        last: Image.Image | None = None
        position = 0
        for frame in container.decode(stream):
            moment = float(frame.time or 0.0)
            while position < len(wanted) and times[wanted[position]] < moment - 1e-6:
                if last is not None:
                    found[wanted[position]] = last
                position += 1
            last = frame.to_image()
        while position < len(wanted) and last is not None:
            found[wanted[position]] = last
            position += 1
    return [found[i] for i in range(len(times))]


@click.command(help=__doc__)
@click.argument("video", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="The PNG to write.")
@click.option("--columns", default=3, show_default=True, help="Frames per row.")
@click.option("--width", default=640, show_default=True, help="Width of each frame in the sheet (pixels).")
def main(video: Path, output: Path | None, columns: int, width: int) -> None:
    topic = video.stem
    sections = video.parent / sections_name(topic, video.suffix.lstrip("."))
    index = json.loads((sections / "index.json").read_text(encoding="utf-8"))
    times = [0.0] + [max(float(entry["end"]) - 0.05, 0.0) for entry in index]
    captions = ["frame 0"] + [f"{entry.get('step') or '-'}: {entry.get('caption', '')}" for entry in index]
    frames = _frames_at(video, times)
    height = round(width * frames[0].height / frames[0].width)
    band = 22
    rows = (len(frames) + columns - 1) // columns
    sheet = Image.new("RGB", (columns * width, rows * (height + band)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default()
    for n, (image, caption) in enumerate(zip(frames, captions, strict=True)):
        x, y = (n % columns) * width, (n // columns) * (height + band)
        draw.text((x + 4, y + 4), caption[:90], fill="black", font=font)
        sheet.paste(image.resize((width, height)), (x, y + band))
    target = output or video.with_name(f"{topic}.sheet.png")
    sheet.save(target)
    click.echo(f"{target}: {len(frames)} frames")


if __name__ == "__main__":
    main()
