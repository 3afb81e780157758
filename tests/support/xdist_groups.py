"""``--dist loadgroup`` that works with pytest 9.2: tests with one ``xdist_group`` run on one worker.

pytest-xdist 3.8 tells its controller a test's group by appending ``@group`` to
the test's node id on the worker; pytest 9.2 node ids can no longer be changed
that way, so the groups are silently lost and every test is scheduled alone
(pytest-dev/pytest-xdist#1386). Here the workers write their groups to a file
instead, and the controller's scheduler reads it:

1. the controller gives each worker a folder (:func:`give_worker_a_folder`, from
   ``pytest_configure_node``);
2. each worker, once it has collected, writes ``{node id: group}`` there
   (:func:`write_groups`, from a ``tryfirst`` ``pytest_collection_finish``: before
   xdist's own tells the controller the worker has collected);
3. :class:`GroupScheduling` reads the groups when every worker has collected,
   and hands out each group whole, in collection order (tests/conftest.py puts
   the longest work first).

A test without a group is a group of its own, as with xdist's own loadgroup.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

__all__ = ["GroupScheduling", "give_worker_a_folder", "group_of", "remove_folder", "write_groups"]

FOLDER_KEY = "attention_video_groups"
_FOLDER = pytest.StashKey[Path]()


def give_worker_a_folder(node: Any) -> None:
    """Controller side: the folder where this worker writes its groups (made once per run)."""
    config: pytest.Config = node.config
    if _FOLDER not in config.stash:
        config.stash[_FOLDER] = Path(tempfile.mkdtemp(prefix="xdist-groups-"))
    node.workerinput[FOLDER_KEY] = str(config.stash[_FOLDER])


def remove_folder(config: pytest.Config) -> None:
    """Controller side, at the end of the run."""
    folder = config.stash.get(_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def group_of(item: pytest.Item) -> str | None:
    """The item's group, named as xdist's loadgroup names it (several marks: joined by ``_``)."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) if names else None


def write_groups(session: pytest.Session) -> None:
    """Worker side: write ``{node id: group}`` for the collected items that have a group."""
    workerinput = getattr(session.config, "workerinput", None)
    if not workerinput or FOLDER_KEY not in workerinput:
        return
    groups = {item.nodeid: group for item in session.items if (group := group_of(item)) is not None}
    folder = Path(workerinput[FOLDER_KEY])
    partial = folder / f".{workerinput['workerid']}.json"
    partial.write_text(json.dumps(groups), encoding="utf-8")
    os.replace(partial, folder / f"{workerinput['workerid']}.json")


class GroupScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, a scope being a test's group (read from the workers' files)."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        # Hand out the groups in collection order, not largest first.
        config.option.loadscopereorder = False
        self.groups: dict[str, str] = {}

    def schedule(self) -> None:
        if self.collection is None:  # every worker has collected and written its groups
            folder = self.config.stash.get(_FOLDER, None)
            for path in sorted(folder.glob("gw*.json")) if folder is not None else []:
                self.groups.update(json.loads(path.read_text(encoding="utf-8")))
        super().schedule()

    def _split_scope(self, nodeid: str) -> str:
        return self.groups.get(nodeid, nodeid)
