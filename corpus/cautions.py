"""Curated cautions on initiative rows whose printed cells look wrong (curated/cautions.yaml)."""

from __future__ import annotations

from pathlib import Path

import yaml

from corpus.models import Conflict, CorpusError, Initiative


def apply_cautions(curated_dir: Path, initiatives: list[Initiative]) -> list[Conflict]:
    """Attach each caution to its rows and return them as conflicts for the validator's list."""
    path = curated_dir / "cautions.yaml"
    if not path.exists():
        return []
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cautions", [])
    by_code = {i.code: i for i in initiatives}
    conflicts: list[Conflict] = []
    for entry in entries:
        for code in entry["codes"]:
            initiative = by_code.get(code)
            if initiative is None:
                raise CorpusError(path.name, None, f"取組 {code} が計画にありません（cautions.yaml）")
            if initiative.source.document == entry["document"]:
                initiative.caution = "".join(entry["caution"].split())
        conflicts.append(Conflict(document=entry["document"], lines=entry["lines"],
                                  message="".join(entry["caution"].split())))
    return conflicts
