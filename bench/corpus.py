"""A deterministic synthetic bucket for the bench: `python -m bench.corpus DIR --n N [--seed S]`.

Articles are built from real sentences of data/sample (so lingua sees real Kazakh and Russian)
in the four sample layouts, with varied titles, dates (2015-01-01..2026-10-31, an archive of
almost twelve years), datelines and sizes. Every file depends
only on (seed, index), never on N: the first M files of a corpus of N are byte-identical to a
corpus of M, so a bucket subset and a directory corpus really hold the same articles, and files
can be rendered in any order by any worker.

About 1% are hostile (one per block of 100 indices, the kind rotating): empty, whitespace, PNG,
UTF-16, cp1251, KOI8-R, mojibake, CRLF+BOM, title only, future date, malformed header date,
exact duplicate, homoglyphs, key with spaces and Cyrillic. The 5 MB article of tests/hostile.py
is left out on purpose: a few of them would dominate the bench's bytes and time.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import struct
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from newsetl.parse.article import mixed_script_tokens
from newsetl.parse.head import read_layout

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "sample"

MIN_BYTES = 1024
MAX_BYTES = 20 * 1024
MEDIAN_BYTES = 5000
SIZE_SIGMA = 0.5  # log-normal spread: ~90% of articles between 2.2 and 11 KB
KAZAKH_SHARE = 0.6
HOSTILE_BLOCK = 100  # one hostile object per block of this many indices
WRITE_THREADS = 16

LANGUAGES = ("kk", "ru")
LAYOUTS = ("header", "plain", "newspaper", "wire")
# Layout mix per language: the samples have Kazakh in 1-3 and Russian in 4; both languages
# appear in every layout here so that layout and language are not confounded.
LAYOUT_WEIGHTS = {"kk": (0.35, 0.20, 0.30, 0.15), "ru": (0.25, 0.15, 0.15, 0.45)}
HOSTILE_KINDS = (
    "empty",
    "whitespace",
    "png",
    "utf16",
    "cp1251",
    "koi8r",
    "mojibake",
    "crlf_bom",
    "title_only",
    "future_date",
    "bad_date",
    "duplicate",
    "homoglyph",
    "cyrillic_key",
)
# Kinds whose bytes are not valid UTF-8 (DuckDB's read_text refuses them).
NON_UTF8_KINDS = frozenset({"png", "utf16", "cp1251", "koi8r"})
# How much a kind's encoding can grow the UTF-8 text: UTF-16 doubles ASCII; mojibake turns each
# Cyrillic letter into two 2-byte letters and a 3-byte dash into three; CRLF adds a byte a line;
# single-byte code pages halve Cyrillic.
GROWTH = {"utf16": 2.0, "mojibake": 2.5, "crlf_bom": 1.05, "cp1251": 0.5, "koi8r": 0.5}

# A real archive: almost twelve years of publication dates (the bench needs at least ten).
FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2026, 10, 31)

KAZAKH_MONTHS = (
    "қаңтар",
    "ақпан",
    "наурыз",
    "сәуір",
    "мамыр",
    "маусым",
    "шілде",
    "тамыз",
    "қыркүйек",
    "қазан",
    "қараша",
    "желтоқсан",
)
RUSSIAN_MONTHS = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
SECTIONS = {
    "kk": ("Сенат", "Саясат", "Экономика", "Қоғам", "Әлем", "Мәдениет", "Дипломатия"),
    "ru": ("Политика", "Экономика", "Общество", "В мире", "Культура", "Дипломатия"),
}
CREDITS = {
    "kk": ("gov.kz", "akorda.kz", "Сенаттың баспасөз қызметі", "ҚР СІМ", "primeminister.kz"),
    "ru": ("МИД РК", "gov.kz", "Акорда", "пресс-служба Сената", "KAZAKHSTAN TODAY"),
}
PHOTO_WORD = {"kk": ("Сурет", "Фото"), "ru": ("Фото",)}
PLACES = {
    "kk": ("Астана", "Алматы", "Шымкент", "Қарағанды", "Ақтөбе", "Атырау"),
    "ru": ("Астана", "Алматы", "Шымкент", "Караганда", "Актобе", "Атырау"),
}
AGENCIES = {
    "kk": ("ҚАЗАҚПАРАТ", "KAZINFORM", "EGEMEN"),
    "ru": ("KAZAKHSTAN TODAY", "KAZINFORM", "ИНТЕРФАКС-КАЗАХСТАН"),
}
_SENTENCE_END = re.compile(r"(?<=[.!?»\"])\s+(?=[«\"A-ZА-ЯЁӘҒҚҢӨҰҮҺІ])")
_TITLE_TRIM = ".,:;«»\"'- –—"


@dataclass(frozen=True, slots=True)
class Spec:
    """What file `index` is meant to be; the test parses files and compares with this."""

    index: int
    key: str
    language: str  # kk | ru (of the text inside, hostile or not)
    layout: str  # header | plain | newspaper | wire
    published: date
    target_bytes: int
    hostile: str | None = None


@dataclass
class CorpusStats:
    """Counts of what was written, for the bench's JSON and for the tests."""

    directory: str
    seed: int
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    languages: Counter = field(default_factory=Counter)
    layouts: Counter = field(default_factory=Counter)
    hostile: Counter = field(default_factory=Counter)
    non_utf8: list[str] = field(default_factory=list)
    min_size: int = 0
    max_size: int = 0
    median_size: int = 0

    def as_dict(self) -> dict:
        data = asdict(self)
        for name in ("languages", "layouts", "hostile"):
            data[name] = dict(sorted(getattr(self, name).items()))
        data["non_utf8"] = len(self.non_utf8)
        return data


@dataclass(frozen=True)
class _Pool:
    """Sentences of one language with their UTF-8 sizes (sizes summed, never re-encoded)."""

    sentences: tuple[str, ...]
    sizes: tuple[int, ...]


# --- sample text ----------------------------------------------------------------------------


@cache
def pools() -> dict[str, _Pool]:
    """kk/ru sentence pools from the samples, plus `ru_legacy`: sentences cp1251 and KOI8-R can
    both carry (legacy code pages have no Kazakh letters, KOI8-R no guillemets)."""
    by_language: dict[str, list[str]] = {"kk": [], "ru": []}
    for path in sorted(SAMPLES.glob("*.txt")):
        layout = read_layout(path.read_text(encoding="utf-8"))
        language = "ru" if layout.agency else "kk"  # 004, the wire article, is the Russian one
        for paragraph in layout.paragraphs:
            if paragraph == layout.title:
                continue
            for sentence in _SENTENCE_END.split(paragraph):
                # Drop sentences with homoglyphs (002 has a Latin C in "CІМ"): only the
                # homoglyph hostile kind should carry them.
                if len(sentence) >= 20 and not mixed_script_tokens(sentence):
                    by_language[language].append(sentence)
    legacy = [s for s in by_language["ru"] if _legacy_safe(s)]
    return {
        name: _pool(sentences) for name, sentences in {**by_language, "ru_legacy": legacy}.items()
    }


def _pool(sentences: list[str]) -> _Pool:
    return _Pool(tuple(sentences), tuple(len(s.encode()) + 1 for s in sentences))


def _legacy_safe(text: str) -> bool:
    try:
        text.encode("cp1251")
        text.encode("koi8-r")
    except UnicodeEncodeError:
        return False
    return True


# --- what each index is ---------------------------------------------------------------------


def _file_rng(seed: int, index: int) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`: stable across runs and processes.
    return random.Random(f"newsetl-bench:{seed}:{index}")


@cache
def _hostile_slot(seed: int, block: int) -> int:
    return random.Random(f"newsetl-bench-hostile:{seed}:{block}").randrange(HOSTILE_BLOCK)


def hostile_kind(seed: int, index: int) -> str | None:
    """The hostile kind of file `index`, or None: one per block of 100, kinds in rotation."""
    block, slot = divmod(index, HOSTILE_BLOCK)
    if slot != _hostile_slot(seed, block):
        return None
    return HOSTILE_KINDS[(block + seed) % len(HOSTILE_KINDS)]


def _draw_spec(rng: random.Random, seed: int, index: int) -> Spec:
    language = "kk" if rng.random() < KAZAKH_SHARE else "ru"
    layout = rng.choices(LAYOUTS, LAYOUT_WEIGHTS[language])[0]
    published = FIRST_DAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_DAY).days + 1))
    size = rng.lognormvariate(math.log(MEDIAN_BYTES), SIZE_SIGMA)
    target = int(min(MAX_BYTES - 512, max(MIN_BYTES, size)))
    prefix = f"{published.year}/{published.month:02d}/"
    key = f"{prefix}{index:07d}_{rng.getrandbits(64):016x}.txt"
    spec = Spec(index, key, language, layout, published, target)
    kind = hostile_kind(seed, index)
    if kind is None:
        return spec
    if kind == "duplicate":  # same bytes as an earlier file, so the same design
        original = spec_of(seed, _original_of(seed, index))
        return replace(original, index=index, key=key, hostile=kind)
    return _hostile_spec(spec, kind, prefix)


def _hostile_spec(spec: Spec, kind: str, prefix: str) -> Spec:
    """Pin language and layout where the kind needs them (legacy code pages carry Russian)."""
    spec = replace(spec, hostile=kind)
    if kind in ("cp1251", "koi8r"):  # KOI8-R has no "•": no newspaper byline
        layout = "wire" if spec.layout == "newspaper" else spec.layout
        return replace(
            spec, language="ru", layout=layout, target_bytes=_scaled(spec.target_bytes, kind)
        )
    if kind == "mojibake":
        return replace(spec, language="ru", target_bytes=_scaled(spec.target_bytes, kind))
    if kind == "utf16":
        return replace(spec, language="kk", target_bytes=_scaled(spec.target_bytes, kind))
    if kind == "homoglyph":
        return replace(spec, language="kk")
    if kind == "crlf_bom":
        return replace(spec, language="kk", layout="newspaper")
    if kind in ("title_only", "future_date", "bad_date"):
        return replace(spec, language="kk", layout="header")
    if kind == "cyrillic_key":
        return replace(spec, key=f"{prefix}жаңа мақала {spec.index:07d}.txt")
    return spec


def _scaled(target: int, kind: str) -> int:
    """A target for kinds whose encoding grows or shrinks the text, so that the file still
    lands within [MIN_BYTES, MAX_BYTES]."""
    growth = GROWTH[kind]
    return max(int(MIN_BYTES / growth) + 256, min(target, _max_text_bytes(kind) - 512))


def _max_text_bytes(kind: str | None) -> int:
    return int(MAX_BYTES / GROWTH.get(kind, 1.0))


def spec_of(seed: int, index: int) -> Spec:
    return _draw_spec(_file_rng(seed, index), seed, index)


# --- rendering ------------------------------------------------------------------------------


def build(seed: int, index: int) -> tuple[Spec, bytes]:
    """File `index` of the corpus: its spec and its bytes."""
    rng = _file_rng(seed, index)
    spec = _draw_spec(rng, seed, index)
    if spec.hostile is None or spec.hostile == "cyrillic_key":
        return spec, _render(spec, rng).encode()
    return spec, _hostile_bytes(spec, rng, seed)


def _hostile_bytes(spec: Spec, rng: random.Random, seed: int) -> bytes:
    kind = spec.hostile
    if kind == "empty":
        return b""
    if kind == "whitespace":
        return b" \n\t\n  \r\n"
    if kind == "png":
        return png()
    if kind == "duplicate":
        return build(seed, _original_of(seed, spec.index))[1]
    if kind in ("cp1251", "koi8r"):
        text = _render(spec, rng, pool="ru_legacy")
        return text.encode("cp1251" if kind == "cp1251" else "koi8-r")
    text = _render(spec, rng, header_date=_HEADER_DATES.get(kind), max_bytes=_max_text_bytes(kind))
    if kind == "utf16":
        return text.encode("utf-16")
    if kind == "mojibake":  # UTF-8 once read as cp1251 and saved again
        return text.encode().decode("cp1251", errors="replace").encode()
    if kind == "crlf_bom":
        return b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode()
    if kind == "title_only":
        return (text.split("\n", 1)[0] + "\n").encode()
    if kind == "homoglyph":
        return _homoglyphs(text).encode()
    return text.encode()  # future_date, bad_date


_HEADER_DATES = {"future_date": "2099-05-01", "bad_date": "2026-13-45"}


def _original_of(seed: int, index: int) -> int:
    """An earlier non-hostile index to duplicate, so any prefix of the corpus holds both."""
    for candidate in (index - 1, index - 2, index + 1):
        if candidate >= 0 and hostile_kind(seed, candidate) is None:
            return candidate
    raise AssertionError("unreachable: one hostile object per block")


def _homoglyphs(text: str) -> str:
    """Latin K and a inside Cyrillic words, as copy-paste from a Latin keyboard leaves them."""
    title, _, rest = text.partition("\n")
    title = title.replace("а", "a", 1) if "а" in title else "Kазақстан " + title
    return title + "\n" + rest.replace("Қазақстан", "Kазақстaн")


def png() -> bytes:
    """A valid 1x1 PNG, built here so the repository carries no binary blob."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _render(
    spec: Spec,
    rng: random.Random,
    pool: str | None = None,
    header_date: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> str:
    sentences = pools()[pool or spec.language]
    title = _title(rng, sentences)
    if spec.layout == "newspaper":
        return _newspaper(spec, rng, sentences, title, max_bytes)
    photo = f"{rng.choice(PHOTO_WORD[spec.language])}: {rng.choice(CREDITS[spec.language])}"
    if spec.layout == "wire":
        photo += ". " + _title(rng, sentences)  # credit, then caption
    head = [title, photo]
    if spec.layout != "plain":
        head[0] = f" date {header_date or spec.published.isoformat()} {title}"
    first = _dateline(spec, rng) if spec.layout == "wire" else ""
    used = sum(len(line.encode()) + 1 for line in head) + len(first.encode())
    paragraphs = _paragraphs(rng, sentences, spec.target_bytes - used, max_bytes - used)
    paragraphs[0] = first + paragraphs[0]
    return "\n".join(head + paragraphs) + "\n"


def _newspaper(spec: Spec, rng: random.Random, sentences: _Pool, title: str, max_bytes: int) -> str:
    """Layout 3: byline, title, views and reading time over two lines each, blank-separated
    paragraphs with the title repeated as a caption and a photo credit among them."""
    kk = spec.language == "kk"
    day = spec.published
    month = KAZAKH_MONTHS[day.month - 1].capitalize() if kk else RUSSIAN_MONTHS[day.month - 1]
    byline = f"{rng.choice(SECTIONS[spec.language])} • {day.day} {month}, {day.year}"
    views = (
        f"{rng.randint(3, 25_000)} рет\nкөрсетілді"
        if kk
        else f"{rng.randint(3, 25_000)} просмотров"
    )
    minutes = max(1, round(spec.target_bytes / 2500))
    reading = f"{minutes} мин\n{'оқу үшін' if kk else 'на чтение'}"
    credit = f"Фото: {rng.choice(CREDITS[spec.language])}"
    head = [byline, title, f"{views}\n{reading}"]
    used = sum(len(part.encode()) + 2 for part in [*head, title, credit])
    paragraphs = _paragraphs(rng, sentences, spec.target_bytes - used, max_bytes - used)
    paragraphs[1:1] = [title, credit]
    return "\n\n".join(head + paragraphs) + "\n"


def _title(rng: random.Random, pool: _Pool) -> str:
    """Five to twelve words of a random sentence: real vocabulary, varied, title-sized."""
    words = rng.choice(pool.sentences).split()
    start = rng.randrange(max(1, len(words) - 5)) if rng.random() < 0.5 else 0
    title = " ".join(words[start : start + rng.randint(5, 12)]).strip(_TITLE_TRIM)
    return title[:1].upper() + title[1:]


def _dateline(spec: Spec, rng: random.Random) -> str:
    """`Астана. 5 марта. KAZAKHSTAN TODAY - `, dated the publication day or the day before."""
    day = spec.published - timedelta(days=rng.choice((0, 0, 1)))
    months = KAZAKH_MONTHS if spec.language == "kk" else RUSSIAN_MONTHS
    place, agency = rng.choice(PLACES[spec.language]), rng.choice(AGENCIES[spec.language])
    return f"{place}. {day.day} {months[day.month - 1]}. {agency} - "


def _paragraphs(rng: random.Random, pool: _Pool, budget: int, limit: int) -> list[str]:
    """Paragraphs of 1-4 sentences until `budget` bytes are used, never past `limit` (the
    target stays 512 bytes under the bound, so dropping the overshooting paragraph still leaves
    far more than the minimum)."""
    paragraphs: list[str] = []
    used = 0
    count = len(pool.sentences)
    while not paragraphs or used < budget:
        picks = [rng.randrange(count) for _ in range(rng.randint(1, 4))]
        paragraph = " ".join(pool.sentences[i] for i in picks)
        size = sum(pool.sizes[i] for i in picks) + 2
        if paragraphs and used + size > limit:
            break
        paragraphs.append(paragraph)
        used += size
    return paragraphs


# --- writing --------------------------------------------------------------------------------


def _write_range(directory: str, seed: int, start: int, stop: int) -> CorpusStats:
    """Render and write files [start, stop); runs in a worker process. Rendering is CPU work
    here, writing happens on threads: creating a small file costs ~0.5 ms of mostly waiting
    on this kind of disk, and threads overlap that wait."""
    root = Path(directory)
    stats = CorpusStats(directory, seed)
    sizes: list[int] = []
    made: set[Path] = set()

    def rendered() -> Iterator[tuple[Path, bytes]]:
        for index in range(start, stop):
            spec, data = build(seed, index)
            path = root / spec.key
            if path.parent not in made:
                path.parent.mkdir(parents=True, exist_ok=True)
                made.add(path.parent)
            sizes.append(len(data))
            stats.languages[spec.language] += 1
            stats.layouts[spec.layout] += 1
            if spec.hostile:
                stats.hostile[spec.hostile] += 1
                if spec.hostile in NON_UTF8_KINDS:
                    stats.non_utf8.append(spec.key)
            yield path, data

    with ThreadPoolExecutor(max_workers=WRITE_THREADS) as writers:
        for future in [writers.submit(path.write_bytes, data) for path, data in rendered()]:
            future.result()
    stats.files, stats.bytes = len(sizes), sum(sizes)
    stats.min_size, stats.max_size = min(sizes, default=0), max(sizes, default=0)
    stats.median_size = sorted(sizes)[len(sizes) // 2] if sizes else 0
    return stats


def _merge(parts: list[CorpusStats], directory: Path, seed: int) -> CorpusStats:
    total = CorpusStats(str(directory), seed)
    for part in parts:
        total.files += part.files
        total.bytes += part.bytes
        total.languages.update(part.languages)
        total.layouts.update(part.layouts)
        total.hostile.update(part.hostile)
        total.non_utf8.extend(part.non_utf8)
    sized = [p for p in parts if p.files]
    total.min_size = min((p.min_size for p in sized), default=0)
    total.max_size = max((p.max_size for p in sized), default=0)
    # Median of chunk medians: chunks are large and identically distributed, close enough.
    medians = sorted(p.median_size for p in sized)
    total.median_size = medians[len(medians) // 2] if medians else 0
    return total


def generate(
    directory: Path, n: int, seed: int = 7, workers: int | None = None, start: int = 0
) -> CorpusStats:
    """Write files start..n-1 below `directory` (rendering is CPU-bound: one process per core).
    Files depend only on (seed, index), so `start` adds new articles to a corpus of `start`
    files written earlier: the same bytes as a corpus of n written at once."""
    started = time.perf_counter()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    pools()  # parse the samples once, before forking
    workers = workers or os.cpu_count() or 1
    step = max(500, -(-(n - start) // (workers * 4)))
    ranges = [(first, min(n, first + step)) for first in range(start, n, step)]
    if workers == 1 or len(ranges) <= 1:
        parts = [_write_range(str(directory), seed, a, b) for a, b in ranges]
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_write_range, str(directory), seed, a, b) for a, b in ranges]
            parts = [future.result() for future in futures]
    stats = _merge(parts, directory, seed)
    stats.seconds = round(time.perf_counter() - started, 2)
    return stats


def upload(directory: Path, client, bucket: str, prefix: str, workers: int = 32) -> int:
    """Put every file below `directory` into bucket/prefix (bucket created if missing)."""
    from newsetl.runtime.devs3 import upload_dir

    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    if bucket not in existing:
        client.create_bucket(Bucket=bucket)
    return upload_dir(client, Path(directory), bucket, prefix, workers=workers)


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a deterministic bench corpus.")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    stats = generate(args.directory, args.n, args.seed)
    print(
        f"{stats.files} files, {stats.bytes / 1e6:.1f} MB in {stats.seconds:.1f} s "
        f"(sizes {stats.min_size}-{stats.max_size} B, median {stats.median_size} B)"
    )
    print(f"languages {dict(stats.languages)}, layouts {dict(stats.layouts)}")
    print(f"hostile {sum(stats.hostile.values())}: {dict(stats.hostile)}")


if __name__ == "__main__":
    main()
