"""The first ask builds the index once, even when several processes start together."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_processes_starting_together_build_one_version(tmp_path: Path):
    env = {**os.environ, "MADOGUCHI_DATA_DIR": str(tmp_path), "MADOGUCHI_CORPUS_DIR": str(REPO / "corpus")}
    command = [sys.executable, "-m", "bot.cli", "ask", "--json"]
    runs = [subprocess.Popen([*command, question], cwd=REPO, env=env, stdout=subprocess.PIPE, text=True)
            for question in ("公約15", "公約１６")]
    answers = [json.loads(run.communicate(timeout=240)[0]) for run in runs]
    assert [a["results"][0]["id"] for a in answers] == ["pledge-15", "pledge-16"]
    assert len(list((tmp_path / "index" / "versions").iterdir())) == 1


def test_a_long_lived_process_builds_its_first_index_in_a_child(tmp_path: Path, monkeypatch):
    """The server's first build runs in a child process: this process's own build function is never used
    (patched to fail here, it would fail an in-process build)."""
    import pytest

    import index.store
    from bot.runtime import build_runtime
    from bot.settings import Settings

    def no_build_here(*args, **kwargs):
        raise AssertionError("built in the serving process")

    monkeypatch.setattr(index.store, "build_index", no_build_here)
    settings = Settings(MADOGUCHI_DATA_DIR=tmp_path / "server", MADOGUCHI_CORPUS_DIR=REPO / "corpus")
    runtime = build_runtime(settings, long_lived=True)
    assert runtime.assistant.ask("公約15").results[0].id == "pledge-15"
    runtime.live.close()
    with pytest.raises(AssertionError, match="serving process"):
        build_runtime(settings.model_copy(update={"data_dir": tmp_path / "cli"}))
