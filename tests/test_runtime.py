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
