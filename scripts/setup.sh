#!/usr/bin/env bash
# Install everything attention-video needs on a Debian machine, idempotently:
# the system libraries Manim builds against, then a virtual environment
# (.venv) with the project and its test extras. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Cairo and Pango (Manim's drawing and text), pkg-config and a compiler for
# packages that build from source, a venv-capable Python, and the fonts the
# scenes name. Formulas use Typst (a Python wheel), so no TeX is needed.
# Chromium: the tests open the lesson page in it, headless.
# Noto (core and CJK) and Symbola draw tokens in most scripts, Chinese, Japanese and Korean, and emoji (as outlines).
DEB_PACKAGES=(libcairo2-dev libpango1.0-dev pkg-config build-essential python3-dev python3-venv fonts-dejavu-core fonts-noto-core fonts-noto-cjk fonts-symbola chromium)

missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "setup: installing Debian packages: ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        SUDO="sudo"
    fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
echo "setup: installing the project and its test extras into .venv"
# A setuptools new enough for the licence fields (PEP 639): the packaging test builds the wheel with it.
.venv/bin/python -m pip install --quiet --upgrade pip "setuptools>=77"
.venv/bin/python -m pip install --quiet -e ".[test]"
echo "setup: done"
