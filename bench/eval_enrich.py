"""`make eval`: the enrichment measured on the hand-written bilingual set (tests/data/stories/):
story-link precision and recall over article pairs (all pairs, and Kazakh-Russian pairs), mention
precision / recall / F1 (a mention counts when its paragraph, start and surface are the gold
one's), near-duplicate pairs, and the share of entities mentioned in both languages whose
Kazakh and Russian mentions got one entity id."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from datetime import date
from itertools import combinations
from pathlib import Path

from newsetl.enrich.batch import Article, Options, Result, enrich

GOLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "stories"


def load(gold_dir: Path = GOLD_DIR) -> tuple[dict, list[Article]]:
    gold = json.loads((gold_dir / "gold.json").read_text(encoding="utf-8"))
    articles = []
    for number, meta in sorted(gold["articles"].items()):
        text = (gold_dir / "articles" / f"{number}.txt").read_text(encoding="utf-8")
        title, day, _, *rest = text.split("\n")
        paragraphs = [p for p in "\n".join(rest).split("\n\n") if p.strip()]
        articles.append(Article(number, meta["lang"], date.fromisoformat(day), title, paragraphs))
    return gold, articles


def _prf(tp: int, predicted: int, expected: int) -> dict[str, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / expected if expected else 1.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
    }


def score(gold: dict, result: Result) -> dict:
    meta = gold["articles"]
    story = {sig.key: sig.story_id for sig in result.signatures}
    out: dict = {}
    for name, cross in (("links_all", False), ("links_cross", True)):
        gold_pairs, pred_pairs = set(), set()
        for a, b in combinations(sorted(meta), 2):
            if cross and meta[a]["lang"] == meta[b]["lang"]:
                continue
            if meta[a]["story"] == meta[b]["story"]:
                gold_pairs.add((a, b))
            if story[a] == story[b]:
                pred_pairs.add((a, b))
        out[name] = _prf(len(gold_pairs & pred_pairs), len(pred_pairs), len(gold_pairs))
    expected = {
        (key, m["paragraph"], m["start"], m["surface"])
        for key, a in meta.items()
        for m in a["mentions"]
    }
    predicted = {(key, m.position, m.start, m.surface) for key, m in result.mentions}
    out["mentions"] = _prf(len(expected & predicted), len(predicted), len(expected))
    # One id across languages: for each gold entity, the ids given to its matched mentions.
    ids = {(key, m.position, m.start, m.surface): m.entity_id for key, m in result.mentions}
    by_entity: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"kk": set(), "ru": set()})
    for key, a in meta.items():
        for m in a["mentions"]:
            got = ids.get((key, m["paragraph"], m["start"], m["surface"]), "")
            by_entity[m["entity"]][a["lang"]].add(got)
    both = [e for e, langs in by_entity.items() if langs["kk"] and langs["ru"]]
    shared = [e for e in both if (by_entity[e]["kk"] & by_entity[e]["ru"]) - {""}]
    out["one_id_share"] = round(len(shared) / len(both), 3) if both else 1.0
    out["entities_in_both_languages"] = len(both)
    gold_dups = {frozenset((k, a["duplicate_of"])) for k, a in meta.items() if a["duplicate_of"]}
    pred_dups = {frozenset((k, d)) for k, d, _ in result.duplicates}
    out["duplicates"] = _prf(len(gold_dups & pred_dups), len(pred_dups), len(gold_dups))
    return out


def evaluate(options: Options | None = None) -> tuple[dict, Result, float]:
    gold, articles = load()
    from newsetl.enrich.gazetteer import gazetteer
    from newsetl.enrich.ner import ner_tagger

    gazetteer(), ner_tagger()  # loaded once per process, not per run
    started = time.process_time()
    result = enrich(articles, [], set(), options)
    return score(gold, result), result, time.process_time() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON document.")
    args = parser.parse_args(argv)
    metrics, result, seconds = evaluate()
    if args.json:
        print(json.dumps(metrics))
        return 0
    for name in ("links_all", "links_cross", "mentions", "duplicates"):
        m = metrics[name]
        print(
            f"{name:<12} precision {m['precision']:.3f}  recall {m['recall']:.3f}  f1 {m['f1']:.3f}"
        )
    print(
        f"one entity id across kk and ru: {metrics['one_id_share']:.3f} "
        f"of {metrics['entities_in_both_languages']} entities mentioned in both languages"
    )
    print(
        f"{len(result.signatures)} articles enriched in {seconds:.1f} s of CPU "
        f"({len(result.signatures) / seconds:.0f} articles/s on one core, models loaded)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
