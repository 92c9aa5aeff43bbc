"""Measuring textwash's repair engine against correct text, generated damage, real text and
re-encoded documents (issue 15). Run through scripts/eval-repair, which makes the venv.

Every subcommand writes WORK/<name>-report.txt (for people) and WORK/<name>-summary.json (for
scripts), and keeps its inputs and the raw outputs of both tools in WORK so a run can be read
afterwards. Everything generated is seeded: the same --seed and --limit give the same sentences.
"""

import argparse
import collections
import difflib
import json
import os
import random
import re
import subprocess
import sys
import time
import unicodedata

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers sloppy-windows-1252, utf-8-variants)
import wordfreq

# ---------------------------------------------------------------------------------------------
# Common
# ---------------------------------------------------------------------------------------------

# ftfy with textwash's policy: its defaults, except that quotes stay curly (textwash's
# uncurl-quotes fix is off by default). Ligatures, fullwidth, NFC, HTML, C1, line breaks and
# control characters are on in both.
FTFY_POLICY = ftfy.TextFixerConfig(uncurl_quotes=False)
FTFY_DEFAULT = ftfy.TextFixerConfig()


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def visible(s):
    """A string with invisible characters spelled out, for keys and listings."""
    if s == "":
        return "∅"
    out = []
    for c in s:
        if c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == " ":
            out.append(" ")
        elif unicodedata.category(c) in ("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me", "Co", "Cs", "Cn"):
            out.append(f"<U+{ord(c):04X}>")
        else:
            out.append(c)
    return "".join(out)


_UNESCAPE = re.compile(r"\\u\{([0-9a-fA-F]+)\}|\\n|\\r|\\t")


def unescape_explain(s):
    """Undoes textwash's `--explain` escaping (`\\u{a0}`, `\\n`, `∅` for nothing)."""
    if s == "∅":
        return ""

    def sub(m):
        if m.group(1):
            return chr(int(m.group(1), 16))
        return {"\\n": "\n", "\\r": "\r", "\\t": "\t"}[m.group(0)]

    return _UNESCAPE.sub(sub, s)


def script_of(c):
    """A coarse name for a letter's script (LATIN, CYRILLIC, CJK, ...)."""
    try:
        name = unicodedata.name(c)
    except ValueError:
        return "?"
    word = name.split()[0]
    if word in ("FEMININE", "MASCULINE", "MICRO", "MODIFIER"):
        return "LATIN" if word != "MODIFIER" else "MODIFIER LETTER"
    return word


def shape(s):
    """The coarse pattern of a string: ASCII letters `a`, digits `9`, other letters by script
    (`{LATIN}`), runs collapsed; punctuation, symbols and spaces kept as they are."""
    toks = []
    for c in s:
        if c.isascii():
            t = "a" if c.isalpha() else "9" if c.isdigit() else visible(c)
        elif unicodedata.category(c)[0] in "LM":
            t = "{" + script_of(c) + "}"
        else:
            t = visible(c)
        if toks and toks[-1] in (t, t + "+") and len(t) > 1 or toks and t in ("a", "9") and toks[-1] in (t, t + "+"):
            toks[-1] = t + "+"
        else:
            toks.append(t)
    return "".join(toks)


def change_key(before, after):
    return f"{visible(before)}→{visible(after)}"


def pattern_key(before, after):
    return f"{shape(before)}→{shape(after)}"


def diff_changes(a, b):
    """The replaced spans between `a` and `b`: [(start_in_a, before, after)]."""
    if a == b:
        return []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            continue
        if op in ("insert", "delete"):
            # `Â“` → `“` is a deletion of `Â` to difflib: take in the non-ASCII character next
            # to it that both sides keep, so the change reads as what happened.
            if i2 < len(a) and j2 < len(b) and a[i2] == b[j2] and not a[i2].isascii() and not a[i2].isspace():
                i2, j2 = i2 + 1, j2 + 1
            elif i1 > 0 and j1 > 0 and a[i1 - 1] == b[j1 - 1] and not a[i1 - 1].isascii() \
                    and not a[i1 - 1].isspace():
                i1, j1 = i1 - 1, j1 - 1
        elif not signature(a[i1:i2]) and i2 < len(a) and j2 < len(b) and a[i2] == b[j2] \
                and not a[i2].isascii() and signature(a[i1:i2 + 1]):
            i2, j2 = i2 + 1, j2 + 1  # `Ã‚Â¡` → `Â¡` (difflib keeps the ¡): one character, two layers
        out.append((i1, a[i1:i2], b[j1:j2]))
    return out


# The single-byte encodings textwash's mojibake fix tries (src/repair/charmap.rs).
SIG_CODECS = [("windows-1252", "sloppy-windows-1252"), ("windows-1250", "cp1250"),
              ("ISO-8859-2", "iso8859_2"), ("windows-1251", "cp1251"), ("windows-1253", "cp1253"),
              ("windows-1254", "cp1254"), ("windows-1257", "cp1257"), ("macintosh", "mac_roman"),
              ("cp437", "cp437"), ("latin-1", "latin-1")]


def signature(before):
    """(encoding, layers, character) when `before` is the misreading of one UTF-8 character in
    one of the encodings textwash repairs, one layer or more (`Â£` is windows-1252's reading of
    `£`; `é…”` is its reading of `酔`), else None."""
    if not 2 <= len(before) <= 12:
        return None
    for name, codec in SIG_CODECS:
        c = before
        for layer in range(3):
            try:
                c = c.encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                break
            if len(c) == 1:
                return name, layer + 1, c
    return None


def char_kind(c):
    cat = unicodedata.category(c)
    if cat[0] == "L":
        return script_of(c) + (" capital" if cat == "Lu" else "")
    return {"P": "punctuation", "S": "symbol", "C": "control", "Z": "space", "N": "number",
            "M": "mark"}[cat[0]]


def signature_key(before):
    """`windows-1252: 2 chars → LATIN`: which encoding's misreading of one character the
    changed text is, how long it is and what it stands for; `other` when it is none."""
    sig = signature(before)
    if not sig:
        return "other"
    name, layers, c = sig
    return f"{name}{f' ×{layers}' if layers > 1 else ''}: {len(before)} chars → {char_kind(c)}"


def merge_chains(text, changes):
    """textwash's explained changes with each chain (mojibake to a C1 control, then the C1
    control to its character, all at one place) made one: [(pos, before, after, fixes)]."""
    merged = []
    for row, col, before, after, fix in changes:
        pos = offset_of(text, row, col)
        if merged and merged[-1][0] == pos and before and before in merged[-1][2]:
            p, b, a, f = merged[-1]
            merged[-1] = (p, b, a.replace(before, after, 1), f + "+" + fix)
        else:
            merged.append((pos, before, after, fix))
    return merged


def context(text, pos, before_len, width=24):
    lo = max(0, pos - width)
    hi = min(len(text), pos + before_len + width)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


class Tally:
    """Counts by key, with the first few examples of each."""

    def __init__(self, examples=3):
        self.count = collections.Counter()
        self.examples = collections.defaultdict(list)
        self.n = examples

    def add(self, key, example):
        self.count[key] += 1
        if len(self.examples[key]) < self.n:
            self.examples[key].append(example)

    def table(self, title, top=None, out=None):
        lines = [f"{title}: {sum(self.count.values())} in {len(self.count)} keys"]
        for key, n in self.count.most_common(top):
            lines.append(f"  {n:>9}  {key}")
            for ex in self.examples[key]:
                lines.append(f"             e.g. {visible(ex)}")
        if top and len(self.count) > top:
            rest = sum(n for _, n in self.count.most_common()[top:])
            lines.append(f"  ({len(self.count) - top} more keys, {rest} changes)")
        return "\n".join(lines)

    def json(self, top=None):
        return [{"key": k, "count": n, "examples": self.examples[k]}
                for k, n in self.count.most_common(top)]


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def textwash_fix(args, path, out_path, explain=False, threads=None, extra=()):
    """Runs `textwash fix --jsonl` on `path`, stdout to `out_path`; returns the wall time."""
    cmd = [args.bin, "fix", "--jsonl", "-j", str(threads or args.threads)]
    if explain:
        cmd.append("--explain")
    cmd += list(extra) + [path]
    t = time.perf_counter()
    with open(out_path, "wb") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t
    if p.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
    return wall


EXPLAIN_RE = re.compile(r"^(.*?):(\d+): \[(.*?)\] (\d+):(\d+): (.*) \(([a-z0-9-]+)\)$")


def parse_explain(path):
    """textwash `fix --jsonl --explain` lines: {record id: [(row, col, before, after, fix)]}."""
    changes = collections.defaultdict(list)
    bad = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = EXPLAIN_RE.match(line)
            if not m:
                bad += 1
                continue
            what = m.group(6)
            if " → " not in what:
                bad += 1
                continue
            before, after = what.split(" → ", 1)
            changes[m.group(3)].append(
                (int(m.group(4)), int(m.group(5)), unescape_explain(before), unescape_explain(after), m.group(7)))
    if bad:
        log(f"warning: {bad} explain lines not understood")
    return changes


def offset_of(text, row, col):
    """Character offset of 1-based row:col (columns in characters)."""
    pos = 0
    for _ in range(row - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            break
        pos = nl + 1
    return pos + col - 1


def read_outputs(path):
    """Texts of textwash's `fix --jsonl` output by id."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            out[r["id"]] = r["text"]
    return out


# ---------------------------------------------------------------------------------------------
# Sentences from real words
# ---------------------------------------------------------------------------------------------

# Every language wordfreq has a list for, plus Thai (which it lacks) from a short hand list.
LANGS = ["ar", "bg", "bn", "ca", "cs", "da", "de", "el", "en", "es", "fa", "fi", "fil", "fr", "he",
         "hi", "hu", "id", "is", "it", "ja", "ko", "lt", "lv", "mk", "ms", "nb", "nl", "pl", "pt",
         "ro", "ru", "sh", "sk", "sl", "sv", "ta", "tr", "uk", "ur", "vi", "zh"]
THAI = ("ประเทศ ไทย รัฐบาล นายก รัฐมนตรี กรุงเทพ ข่าว วันนี้ เศรษฐกิจ การเมือง ประชาชน เลือกตั้ง ตลาด "
        "หุ้น ราคา น้ำมัน ฝน ตก หนัก ทีม ฟุตบอล ชนะ โรงเรียน นักเรียน ครู โรงพยาบาล แพทย์ ผู้ป่วย บริษัท "
        "ธนาคาร เงิน บาท ล้าน ปี เดือน สัปดาห์ ที่ และ ของ ใน ได้ มี ไม่ เป็น ว่า จะ เมื่อ จาก ให้ กับ "
        "คน เรา เขา สื่อ ตำรวจ ศาล กฎหมาย").split()
NO_SPACES = {"zh", "ja", "th"}
# Languages whose letters are Latin with diacritics (the mojibake-prone ones), for damage classes.
LATIN_LANGS = ["ca", "cs", "da", "de", "es", "fi", "fr", "hu", "is", "it", "lt", "lv", "nb", "nl",
               "pl", "pt", "ro", "sk", "sl", "sv", "tr", "vi", "en", "id", "ms", "fil", "sh"]
# Latin-1 (Windows-1252 representable) languages.
LATIN1_LANGS = ["ca", "da", "de", "es", "fi", "fr", "is", "it", "nb", "nl", "pt", "sv", "en"]

_WORDS = {}


def words(lang, n=5000):
    if lang not in _WORDS:
        if lang == "th":
            ws = THAI
        else:
            ws = []
            for w in wordfreq.top_n_list(lang, n):
                w = unicodedata.normalize("NFC", w)
                if not w or not all(unicodedata.category(c)[0] in "LM" for c in w):
                    continue
                if lang == "el":  # wordfreq case-folds final sigma
                    w = re.sub("σ$", "ς", w)
                ws.append(w)
        _WORDS[lang] = ws
    return _WORDS[lang]


QUOTE_PAIRS = [("“", "”"), ("‘", "’"), ("„", "“"), ("„", "”"), ("‚", "‘"), ("«", "»"),
               ("«\u00a0", "\u00a0»"), ("«\u202f", "\u202f»"), ("‹", "›"), ("»", "«"), ("”", "”"),
               ("\"", "\""), ("'", "'")]
CJK_QUOTES = [("「", "」"), ("『", "』"), ("“", "”"), ("《", "》")]
DASHES = [" – ", " — ", "—", "–", "\u2009—\u2009", "\u2009–\u2009", "\u00a0– ", " —\u00a0"]
SYMBOLS_AFTER = ["™", "®", "©", "°", "…", "•", "·", "½", "¼", "¾", "€", "£", "¥", "§"]
SYMBOLS_BEFORE = ["©", "®", "§", "€", "£", "¥", "•", "·", "…", "°", "™", "½"]
EMOJI = ["😀", "👍", "🎉", "❤️", "✅", "🔥", "🇺🇸", "🇫🇷", "🇺🇦", "🇯🇵", "🇧🇷", "🇪🇺",
         "👨\u200d👩\u200d👧", "👩🏽\u200d💻", "🏳️\u200d🌈", "👍🏿", "☕", "⚽", "😂", "🙏🏼",
         "🧑\u200d🚀", "👁️\u200d🗨️", "🤷\u200d♀️", "⭐", "📈", "🗳️"]
SPACES = ["\u00a0", "\u2009", "\u202f"]
# The typographic characters of the systematic part: each sits before and after every letter.
TYPO = ["“", "”", "‘", "’", "„", "‚", "«", "»", "‹", "›", "–", "—", "…", "\u00a0", "\u2009",
        "\u202f", "™", "©", "®", "€", "£", "¥", "•", "·", "°", "½", "¼", "¾", "§", "😀", "🇫🇷",
        "👨\u200d👩\u200d👧", "❤️"]


def cased(lang):
    return lang not in ("ar", "he", "fa", "ur", "hi", "bn", "ta", "zh", "ja", "ko", "th")


def number_expr(rng):
    n = rng.choice(["790", "1,5", "12", "3.2", "45", "2019", "100", "7"])
    return rng.choice([
        f"£{n}million", f"£{n}m", f"€{n}", f"{n}\u00a0€", f"{n} €", f"€\u00a0{n}", f"¥{n}",
        f"{n}°C", f"{n}\u202f°C", f"{n} °F", f"{n}½", f"¼", f"{n}\u00a0%", f"{n}\u202f%",
        f"1\u202f000", f"10\u00a0000", f"§\u00a0{n}", f"§{n}", f"{n}\u00a0km", f"{n}\u2009kg",
        f"${n}bn", f"{n}¾",
    ])


def sentence(rng, lang, native=False):
    """One sentence of 3-12 real words of `lang`, with typographic characters next to them.

    `native`: French spacing (a no-break space before `;:!?`, inside guillemets) only in French;
    other languages glue those signs to the word, as their typography does. (The draws are the
    same either way, so the sentences differ only there.) Without it, any language may have
    French spacing: more correct text for the negative suite."""
    ws = words(lang)
    k = rng.randint(3, 12)
    toks = [rng.choice(ws) for _ in range(k)]
    if cased(lang):
        toks[0] = toks[0][:1].upper() + toks[0][1:]
        for i in range(1, k):
            r = rng.random()
            if r < 0.12:
                toks[i] = toks[i][:1].upper() + toks[i][1:]
            elif r < 0.15:
                toks[i] = toks[i].upper()
        if rng.random() < 0.03:
            toks = [t.upper() for t in toks]
    # Prefer decorating words that start or end in a non-ASCII letter.
    accented = [i for i, t in enumerate(toks) if not t[0].isascii() or not t[-1].isascii()]

    def pick():
        if accented and rng.random() < 0.6:
            return rng.choice(accented)
        return rng.randrange(k)

    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        i = pick()
        if kind < 0.25:  # quotes around 1-3 words, maybe with … ! , before the closing one
            j = min(k - 1, i + rng.randint(0, 2))
            o, c = rng.choice(CJK_QUOTES if lang in ("zh", "ja") else QUOTE_PAIRS)
            if native and lang != "fr":
                o, c = o.strip("\u00a0\u202f"), c.strip("\u00a0\u202f")
            inner = rng.choice(["", "", "…", "!", ",", "?", "."])
            toks[i] = o + toks[i]
            toks[j] = toks[j] + inner + c
        elif kind < 0.37:  # a dash after a word
            toks[i] = toks[i] + rng.choice(DASHES) + "\x00"
        elif kind < 0.55:  # a symbol right after a word
            toks[i] = toks[i] + rng.choice(SYMBOLS_AFTER)
        elif kind < 0.65:  # a symbol right before a word
            toks[i] = rng.choice(SYMBOLS_BEFORE) + toks[i]
        elif kind < 0.75:  # a number with a currency, unit or thin space
            toks.insert(i, number_expr(rng))
            k += 1
        elif kind < 0.85:  # an emoji after a word, with or without a space
            toks[i] = toks[i] + rng.choice(["", " ", "\u00a0"]) + rng.choice(EMOJI)
        elif kind < 0.92:  # French spacing before ; : ! ?
            space = rng.choice(SPACES[:1] + SPACES[2:])
            toks[i] = toks[i] + (space if lang == "fr" or not native else "") + rng.choice(";:!?")
        else:  # a bullet or middle dot between words
            toks[i] = toks[i] + rng.choice([" •", " ·", "·", " • "])
    sep = "" if lang in NO_SPACES else " "
    s = sep.join(toks)
    s = s.replace("\x00" + sep, "").replace("\x00", "")
    s = re.sub(r"  +", " ", s)
    end = rng.choice([".", ".", ".", "…", "!", "?", "", "…”", ".”", "!»", "…»"])
    if lang in ("zh", "ja"):
        end = rng.choice(["。", "。", "！", "？", "……", "」"])
    return unicodedata.normalize("NFC", s + end)


def lang_mix(rng):
    # Latin-script languages a bit more often, every listed language sometimes.
    if rng.random() < 0.5:
        return rng.choice(LATIN_LANGS)
    return rng.choice(LANGS + ["th"])


# Letters of the systematic part: every assigned letter of these blocks.
def block_letters(lo, hi):
    return [chr(c) for c in range(lo, hi + 1)
            if unicodedata.category(chr(c)).startswith("L")]


LETTER_BLOCKS = {
    "latin-1": block_letters(0x00C0, 0x00FF) + ["ª", "º", "µ"],
    "latin-ext-a": block_letters(0x0100, 0x017F),
    "greek": block_letters(0x0370, 0x03FF),
    "cyrillic": block_letters(0x0400, 0x04FF),
}
BLOCK_LANG = {"latin-1": ["fr", "de", "es", "pt", "is"], "latin-ext-a": ["pl", "cs", "ro", "tr", "hu"],
              "greek": ["el"], "cyrillic": ["ru", "uk", "bg", "mk"]}


def systematic(rng):
    """Every letter of four blocks before and after every typographic character, in a short
    word context: `word + letter + char + word`, `word + char + letter + word`, and the same in
    capitals."""
    for block, letters in LETTER_BLOCKS.items():
        for L in letters:
            for t in TYPO:
                lang = rng.choice(BLOCK_LANG[block])
                w1, w2 = rng.choice(words(lang)), rng.choice(words(lang))
                yield block, f"{w1[:4]}{L}{t} {w2}."
                yield block, f"{w1} {t}{L}{w2[:4]}."
                yield block, f"{w1.upper()} {L}{t}{L} {w2.upper()}"


MOJIBAKE_TEMPLATES = [
    "The sequence {m} is what {c} looks like when UTF-8 is read as Windows-1252.",
    "If you see “{m}” instead of “{c}”, the file was decoded with the wrong encoding.",
    "Mojibake: {c} → {m}",
    "Common mojibake includes {m} (for {c}) and Ã© (for é).",
    "In the export the name showed up as Beyonc{m} rather than Beyonc{c}.",
    "Search the archive for '{m}' to find articles that were double-encoded.",
    "Le caractère « {c} » devient « {m} » quand l’UTF-8 est lu comme du Latin-1.",
    "Tabelle: {c} = {m} (UTF-8 als Windows-1252 gelesen)",
]
BOX_ART = [
    "╔═{b}═╗\n║ {w} ║\n╚═{b}═╝",
    "┌─{b}─┐\n│ {w} │\n└─{b}─┘",
    "┌──┬──┐\n│{w}│ 1│\n├──┼──┤\n│ 2│ 3│\n└──┴──┘",
    "╭─{b}─╮\n│ {w} │\n╰─{b}─╯",
    "▀▄▀▄ {w} ▄▀▄▀",
    "░▒▓█ {w} █▓▒░",
    "╠═ {w} ═╣",
    "━━━ {w} ━━━",
    "■ {w} □ {w} ▪",
]
KAOMOJI = ["¯\\_(ツ)_/¯", "(╯°□°)╯︵ ┻━┻", "ಠ_ಠ", "( ͡° ͜ʖ ͡°)", "(ノಠ益ಠ)ノ彡┻━┻", "┬─┬ノ( º _ ºノ)",
           "(｡◕‿◕｡)", "ʕ•ᴥ•ʔ", "( •_•)>⌐■-■", "(⌐■_■)", "ლ(ಠ益ಠლ)", "ᕕ( ᐛ )ᕗ", "(ʘ‿ʘ)",
           "┐(´ー｀)┌", "(〜￣▽￣)〜", "༼ つ ◕_◕ ༽つ", "(☞ﾟヮﾟ)☞", "◉_◉", "¬_¬", "(ᵔᴥᵔ)",
           "٩(◕‿◕｡)۶", "(*^▽^*)", "(^_^;)", "m(_ _)m", "(T_T)", "( ˘▽˘)っ♨", "ಥ_ಥ", "⊙﹏⊙",
           "°º¤ø,¸¸,ø¤º°`°º¤ø,¸", "(°ロ°)☝", "¯\\(°_o)/¯", "(• ε •)", "♪~ ᕕ(ᐛ)ᕗ", "(ง'̀-'́)ง",
           "¿ⓧ_ⓧﮌ", "(´･ω･`)", "Ƹ̵̡Ӝ̵̨̄Ʒ", "(¬‿¬)", "•ᴗ•", "(ᗒᗣᗕ)՞"]
CAPS_RO_VI = [
    "ROMÂNIA ÎNTÂI", "ÎN ROMÂNIA, CÂND", "Literele Ă, Â, Î, Ș și Ț sunt specifice limbii române.",
    "Litera Â apare doar în interiorul cuvintelor.", "Cuvântul „CÂINE” se scrie cu Â și nu cu Î.",
    "Â şi Î se pronunţă la fel.", "TIẾNG VIỆT CÓ CHỮ Â VÀ CHỮ Ă", "Chữ Â là một nguyên âm.",
    "SÃO PAULO", "IRMÃ E IRMÃO", "AMANHÃ SERÁ OUTRO DIA", "MAÇÃ VERDE", "A FAMÍLIA DA IRMÃ",
    "CAPITÃ DO TIME", "ALEMÃ E FRANCESA", "ÓRFÃ DE PAI", "A LÃ DA OVELHA", "NGÃ BA",
]


def mojibake_about(rng):
    """Hand-assembled text about mojibake, box-drawing art, kaomoji, Romanian, Vietnamese and
    Portuguese capitals."""
    chars = ([chr(c) for c in range(0xA0, 0x100)] + block_letters(0x0100, 0x017F)
             + list("“”‘’–—…€•™"))
    for c in chars:
        m = c.encode("utf-8").decode("sloppy-windows-1252")
        m2 = m.encode("utf-8").decode("sloppy-windows-1252")
        if any(0x80 <= ord(x) <= 0x9F for x in m2):
            continue  # a C1 control is not text anyone writes, even about mojibake
        for t in MOJIBAKE_TEMPLATES:
            yield "about-mojibake", t.format(c=c, m=m)
        yield "about-mojibake", f"Two layers: {c} → {m} → {m2}."
    for _ in range(3000):
        lang = lang_mix(rng)
        w = rng.choice(words(lang))
        t = rng.choice(BOX_ART)
        yield "box-drawing", t.format(w=w, b=("═" if "═{b}" in t else "─") * len(w))
    for _ in range(3000):
        lang = lang_mix(rng)
        k = rng.choice(KAOMOJI)
        s = sentence(rng, lang)
        yield "kaomoji", rng.choice([f"{s} {k}", f"{k} {s}", f"{s}{k}", k])
    for s in CAPS_RO_VI:
        yield "caps-ro-vi-pt", s
    for _ in range(10000):
        lang = rng.choice(["ro", "vi", "pt"])
        yield "caps-ro-vi-pt", sentence(rng, lang).upper()


def negative_corpus(rng, n_random):
    """(id, part, language, text): the systematic part, the hand-assembled part, then
    `n_random` random sentences."""
    i = 0
    for block, s in systematic(rng):
        i += 1
        yield f"S{i:07d}", "systematic-" + block, "-", unicodedata.normalize("NFC", s)
    for part, s in mojibake_about(rng):
        i += 1
        yield f"H{i:07d}", part, "-", unicodedata.normalize("NFC", s)
    for j in range(n_random):
        lang = lang_mix(rng)
        yield f"R{j:07d}", "random", lang, sentence(rng, lang)


# ---------------------------------------------------------------------------------------------
# negative: correct text that must come back unchanged
# ---------------------------------------------------------------------------------------------

# The named classes of change the negative suite allows (issue 15, must-have 1): short
# sequences far more often mojibake than text. A change belongs to one by a rule on the changed
# text alone; `scripts/eval-repair negative` counts every change outside them, and `evidence`
# counts each class in real text and in the same text misread.
W1252_CONT = set(bytes(range(0x80, 0xC0)).decode("sloppy-windows-1252"))
W1252_CONT_PUNCT = set("‚„…‘’“”•–—‹›«»·")
NUMERIC_SIGNS = set("°±²³µ¹¼½¾")
FULLWIDTH_PUNCT = {chr(c) for c in range(0xFF01, 0xFF5F) if not chr(c).isalnum()}
NAMED_CLASSES = [
    ("A1", "`Â`/`Ã` + a symbol or space Windows-1252 reads from 0x80-0xBF (`Â£`, `Ã©`, `Ã`+NBSP)"),
    ("A2", "`Â`/`Ã` + punctuation Windows-1252 reads from 0x80-0xBF (`Ã‰TAT`, `Ã—`)"),
    ("B", "`Ä`/`Å` + a numeric sign or `°` (`Ä°`, `Å½`)"),
    ("C", "`â€` (Windows-1252/1250) or `ā€` (Windows-1257), the bytes E2 80, + at most one character; `â„¢` (`™`)"),
    ("D", "fullwidth punctuation outside CJK text folded to ASCII"),
    ("E", "`â` + a sign, letter or C1 control (never a quote, dash or bullet) + one more (not `™`/`®` + NBSP), standing for a symbol U+2190-U+27FF or U+2B00-U+2BFF (`âœ“` → `✓`, `â†’` → `→`); the decoder's marks `ï»¿` (at a line's start) and `ï¿½`"),
]
# Second characters of class E: Windows-1252's readings of 0x86-0x9F and 0xAC-0xAF (signs,
# letters, a soft hyphen, the C1 controls of its undefined bytes), less the punctuation that
# follows a word (quotes, dashes, bullet).
SYMBOL_SECOND = set(bytes(list(range(0x86, 0xA0)) + list(range(0xAC, 0xB0))).decode(
    "sloppy-windows-1252")) - set("‹‘’“”•–—›")
NAMED_CLASS_RE = {
    "A1": "[ÂÃ][" + re.escape("".join(sorted(W1252_CONT - W1252_CONT_PUNCT))) + "]",
    "A2": "[ÂÃ][" + re.escape("".join(sorted(W1252_CONT_PUNCT))) + "]",
    "B": "[ÄÅ][" + re.escape("".join(sorted(NUMERIC_SIGNS))) + "]",
    "C": "[âā]€|â„¢",
    "D": "[" + re.escape("".join(sorted(FULLWIDTH_PUNCT))) + "]",
    "E": "â[" + re.escape("".join(sorted(SYMBOL_SECOND))) + "][" + re.escape("".join(sorted(W1252_CONT))) + "]|ï»¿|ï¿½",
}


def named_class(before, after):
    """The named class a change (`before` → `after`) belongs to, or None."""
    if len(before) == 2 and before[0] in "ÂÃ" and before[1] in W1252_CONT:
        return "A2" if before[1] in W1252_CONT_PUNCT else "A1"
    if len(before) == 2 and before[0] in "ÄÅ" and before[1] in NUMERIC_SIGNS:
        return "B"
    if 2 <= len(before) <= 3 and before[0] in "âā" and before[1] == "€" or before == "â„¢":
        return "C"
    if len(before) == 1 and before in FULLWIDTH_PUNCT and after.isascii():
        return "D"
    if len(before) == 3 and before[0] == "â" and before[1] in SYMBOL_SECOND and len(after) == 1 \
            and 0x2190 <= ord(after) <= 0x2BFF \
            and not (before[2] == "\u00a0" and before[1] in "™®") \
            or before in ("ï»¿", "ï¿½"):
        return "E"
    return None


def letter_then_punct(before):
    """A letter followed by punctuation in the changed text: the `é…”` shape."""
    return any(unicodedata.category(a).startswith("L") and unicodedata.category(b).startswith("P")
               for a, b in zip(before, before[1:]))


def cmd_negative(args):
    work = args.work
    os.makedirs(work, exist_ok=True)
    rng = random.Random(args.seed)
    n_random = args.limit if args.limit is not None else 1_000_000
    inp = os.path.join(work, "negative-input.jsonl")
    parts, langs = [], []
    t = time.perf_counter()
    total_bytes = 0
    with open(inp, "w", encoding="utf-8") as f:
        for i, (_, part, lang, text) in enumerate(negative_corpus(rng, n_random)):
            parts.append(part)
            langs.append(lang)
            line = json.dumps({"id": str(i), "text": text}, ensure_ascii=False)
            total_bytes += len(text.encode("utf-8"))
            f.write(line + "\n")
    n = len(parts)
    log(f"negative: {n} sentences ({total_bytes / 1e6:.1f} MB of text) generated in "
        f"{time.perf_counter() - t:.0f} s → {inp}")

    explain_path = os.path.join(work, "negative-textwash-explain.txt")
    wall = textwash_fix(args, inp, explain_path, explain=True)
    log(f"negative: textwash fix --explain took {wall:.1f} s")
    changes = parse_explain(explain_path)

    # ftfy on an evenly spread sample.
    step = max(1, -(-n // args.ftfy_sample)) if args.ftfy_sample else 0
    by_fix, by_key, by_pattern, by_part, by_lang, lp = (Tally(), Tally(), Tally(), Tally(1), Tally(1), Tally())
    ft_fix, ft_key, ft_pattern, ft_part = Tally(), Tally(), Tally(), Tally(1)
    by_sig, by_other, other_parts, ft_sig, by_sig_random = Tally(), Tally(), Tally(1), Tally(), Tally()
    by_named, outside, outside_parts, ft_named = Tally(), Tally(10), Tally(1), Tally()
    outside_sentences = []
    sample_n = sample_bytes = tw_sample_changed = ft_changed = 0
    ft_time = 0.0
    sentences_per_part = collections.Counter(parts)
    with open(inp, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            i = int(r["id"])
            text = r["text"]
            ch = changes.get(r["id"])
            if ch:
                by_part.add(parts[i], text)
                if parts[i] == "random":
                    by_lang.add(langs[i], text)
                for row, col, before, after, fix in ch:
                    pos = offset_of(text, row, col)
                    by_fix.add(fix, f"{change_key(before, after)}  in  {context(text, pos, len(before))}")
                # Classes from the changes as textwash explains them, a chain of fixes at one
                # place (mojibake to a C1 control, then the control to its character) as one.
                is_outside = False
                for pos, before, after, _ in merge_chains(text, ch):
                    named = named_class(before, after)
                    by_named.add(named or "outside", f"{change_key(before, after)}  in  {context(text, pos, len(before))}")
                    if named is None:
                        is_outside = True
                        outside.add(change_key(before, after), context(text, pos, len(before)))
                    ex = f"{change_key(before, after)}  in  {context(text, pos, len(before))}"
                    by_key.add(change_key(before, after), context(text, pos, len(before)))
                    by_pattern.add(pattern_key(before, after), ex)
                    sig = signature_key(before)
                    by_sig.add(sig, ex)
                    if parts[i] == "random":
                        by_sig_random.add(sig, ex)
                    if sig == "other":
                        by_other.add(change_key(before, after), context(text, pos, len(before)))
                        other_parts.add(parts[i], text)
                    if letter_then_punct(before):
                        lp.add(change_key(before, after), context(text, pos, len(before)))
                if is_outside:
                    outside_parts.add(parts[i], text)
                    outside_sentences.append(text)
            if step and i % step == 0:
                sample_n += 1
                sample_bytes += len(text.encode("utf-8"))
                tw_sample_changed += bool(ch)
                t0 = time.perf_counter()
                fixed, expl = ftfy.fix_and_explain(text, FTFY_POLICY)
                ft_time += time.perf_counter() - t0
                if fixed != text:
                    ft_changed += 1
                    ft_part.add(parts[i], text)
                    steps = sorted({s[1] if s[0] == "apply" else f"{s[0]}:{s[1]}" for s in (expl or [])})
                    for pos, before, after in diff_changes(text, fixed):
                        ex = f"{change_key(before, after)}  in  {context(text, pos, len(before))}"
                        ft_key.add(change_key(before, after), context(text, pos, len(before)))
                        ft_pattern.add(pattern_key(before, after), ex)
                        ft_fix.add("+".join(steps) or "?", ex)
                        ft_sig.add(signature_key(before), ex)
                        ft_named.add(named_class(before, after) or "outside", ex)

    changed = sum(by_part.count.values())
    rep = []
    rep.append(f"Negative suite (correct text): textwash {args.bin}")
    rep.append(f"seed {args.seed}; {n} sentences, {total_bytes / 1e6:.1f} MB; one sentence per JSON record;"
               f" `textwash fix --jsonl --explain -j {args.threads}` took {wall:.1f} s")
    rep.append(f"sentences changed by textwash: {changed} ({100 * changed / n:.3f}%)")
    n_outside = sum(outside_parts.count.values())
    rep.append(f"sentences with a change outside the named classes: {n_outside}")
    rep.append("")
    rep.append("named classes (a rule on the changed text, `named_class`):")
    for key, what in NAMED_CLASSES:
        rep.append(f"  {key}: {what}")
    rep.append("")
    rep.append(by_named.table("textwash changes by named class", top=None))
    rep.append("")
    rep.append(outside_parts.table("sentences with a change outside the named classes, per part"))
    rep.append("")
    rep.append(outside.table("textwash changes outside the named classes", top=None))
    rep.append("")
    rep.append("sentences and changed sentences per part:")
    for part, m in sorted(sentences_per_part.items()):
        rep.append(f"  {part:<24} {m:>9}  changed {by_part.count[part]:>8}  ({100 * by_part.count[part] / m:.2f}%)")
    rep.append("")
    rep.append(by_fix.table("textwash changes by fix"))
    rep.append("")
    rep.append(by_sig.table("textwash changes by signature: the encoding (of those textwash repairs) in which "
                            "the changed text is the misreading of one UTF-8 character, its length, what it "
                            "stands for; `other` = no such reading"))
    rep.append("")
    rep.append(by_sig_random.table("the same, random sentences only"))
    rep.append("")
    rep.append(other_parts.table("sentences with a change that is not such a signature, per part"))
    rep.append("")
    rep.append(by_other.table("textwash changes that are not such a signature, by class", top=40))
    rep.append("")
    rep.append(by_pattern.table("textwash changes by pattern (letters by script, runs collapsed)", top=40))
    rep.append("")
    rep.append(by_key.table("textwash changes by class (before→after)", top=60))
    rep.append("")
    rep.append(lp.table("textwash changes of a letter followed by punctuation (the `é…”` shape)", top=30))
    rep.append("")
    rep.append(by_lang.table("random sentences changed, by language", top=None))
    rep.append("")
    rep.append(f"ftfy {ftfy.__version__} (defaults but uncurl_quotes=False) on every {step}th sentence: "
               f"{sample_n} sentences, {sample_bytes / 1e6:.2f} MB in {ft_time:.1f} s "
               f"({sample_bytes / 1e6 / max(ft_time, 1e-9):.2f} MB/s)")
    rep.append(f"  same sample: ftfy changed {ft_changed}, textwash changed {tw_sample_changed}")
    rep.append(ft_part.table("ftfy: changed sentences per part"))
    rep.append("")
    rep.append(ft_fix.table("ftfy changes by step", top=30))
    rep.append("")
    rep.append(ft_sig.table("ftfy changes: signature or not"))
    rep.append("")
    rep.append(ft_named.table("ftfy changes by named class", top=None))
    rep.append("")
    rep.append(ft_pattern.table("ftfy changes by pattern", top=30))
    rep.append("")
    rep.append(ft_key.table("ftfy changes by class (before→after)", top=40))
    text = "\n".join(rep) + "\n"
    with open(os.path.join(work, "negative-report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    summary = {
        "binary": args.bin, "seed": args.seed, "sentences": n, "bytes": total_bytes,
        "sentences_per_part": dict(sentences_per_part),
        "textwash": {
            "changed_sentences": changed, "seconds": wall,
            "sentences_outside_named_classes": n_outside, "by_named_class": by_named.json(),
            "outside_named_classes": outside.json(), "outside_sentences": outside_sentences[:1000],
            "changed_per_part": dict(by_part.count),
            "by_fix": by_fix.json(), "by_pattern": by_pattern.json(200), "by_class": by_key.json(500),
            "letter_then_punctuation": lp.json(200), "changed_per_language": dict(by_lang.count),
            "by_signature": by_sig.json(), "by_signature_random": by_sig_random.json(),
            "not_signature_by_class": by_other.json(500),
            "sentences_with_not_signature_change_per_part": dict(other_parts.count),
        },
        "ftfy": {
            "config": "defaults, uncurl_quotes=False", "version": ftfy.__version__,
            "sample_every": step, "sample_sentences": sample_n, "sample_bytes": sample_bytes,
            "seconds": ft_time, "changed_sentences": ft_changed,
            "textwash_changed_in_sample": tw_sample_changed,
            "changed_per_part": dict(ft_part.count),
            "by_step": ft_fix.json(), "by_named_class": ft_named.json(), "by_signature": ft_sig.json(), "by_pattern": ft_pattern.json(200), "by_class": ft_key.json(500),
        },
    }
    with open(os.path.join(work, "negative-summary.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, ensure_ascii=False, indent=1)
    print(text[:6000])


# ---------------------------------------------------------------------------------------------
# recall: generated damage, one class at a time
# ---------------------------------------------------------------------------------------------

def moj(s, layers=1, enc="sloppy-windows-1252"):
    for _ in range(layers):
        s = s.encode("utf-8").decode(enc)
    return s


def cesu8(s):
    out = bytearray()
    for c in s:
        if ord(c) > 0xFFFF:
            u = ord(c) - 0x10000
            for sur in (0xD800 + (u >> 10), 0xDC00 + (u & 0x3FF)):
                out += chr(sur).encode("utf-8", "surrogatepass")
        else:
            out += c.encode("utf-8")
    return bytes(out)


def plain_sentence(rng, lang, k=None):
    ws = words(lang)
    toks = [rng.choice(ws) for _ in range(k or rng.randint(5, 12))]
    sep = "" if lang in NO_SPACES else " "
    s = sep.join(toks)
    if cased(lang):
        s = s[:1].upper() + s[1:]
    return s + "."


def has_non_ascii(s):
    return any(ord(c) > 127 for c in s)


# Characters whose Windows-1252 misreading is `Â` + the character (U+00A0-U+00BF), and `Â€`
# for € (U+0080, the Latin-1 reading of 1252's 0x80, read once more).
SIG_EXPRS = [
    ("£{n}million", "£"), ("£{n}m", "£"), ("{n}°C", "°"), ("© {W}", "©"), ("{W}®", "®"),
    ("{n}\u00a0km", "\u00a0"), ("«\u00a0{w}\u00a0»", None), ("{n}½", "½"), ("§\u00a0{n}", None),
    ("{w} · {w}", "·"), ("{n}¼", "¼"), ("{n}²", "²"), ("¿{w}?", "¿"), ("¡{w}!", "¡"), ("{n}¢", "¢"),
    ("¥{n}", "¥"), ("{n}±{n}", "±"), ("{n}µg", "µ"), ("«{w}»", None), ("€{n}", "€"),
]
SIG_EXTRA_NUMBERS = ["790", "1.5", "20", "3", "45", "12", "600", "2,500"]


def sig_damage(rng, s_clean_parts):
    """Puts one expression with a Latin-1 symbol in a sentence and damages one character of it."""
    expr, _ = rng.choice(SIG_EXPRS)
    n = rng.choice(SIG_EXTRA_NUMBERS)
    w = rng.choice(words("en"))
    e = expr.format(n=n, w=w, W=w.capitalize())
    cands = [j for j, c in enumerate(e) if 0xA0 <= ord(c) <= 0xBF or c == "€"]
    j = rng.choice(cands)
    c = e[j]
    bad = "Â€" if c == "€" else moj(c)
    words_ = s_clean_parts
    at = rng.randrange(len(words_) + 1)
    clean = " ".join(words_[:at] + [e] + words_[at:])
    damaged = " ".join(words_[:at] + [e[:j] + bad + e[j + 1:]] + words_[at:])
    return clean, damaged, bad


# Capitals whose UTF-8 misread as Windows-1252 is Ã or Å followed by a C1 control, punctuation
# or a symbol (Ã‰ for É, Å’ for Œ, Å + NBSP for Š).
K_CAPS = [c for c in map(chr, range(0xC0, 0x180))
          if c.isupper() and c.encode("utf-8")[0] in (0xC3, 0xC5)
          and not unicodedata.category(c.encode("utf-8")[1:].decode("sloppy-windows-1252")).startswith("L")]
UNDEF_1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
_K_WORDS = []


def k_words():
    if not _K_WORDS:
        lows = {c.lower(): c for c in K_CAPS}
        for lang in LATIN_LANGS:
            for w in words(lang):
                if any(c in lows for c in w):
                    _K_WORDS.append((lang, w))
    return _K_WORDS


def damage_member(rng, cls):
    """(clean, damaged, language) for one member of a class, or None to draw again."""
    if cls == "a-sig-ascii":
        clean, damaged, tag = sig_damage(rng, plain_sentence(rng, "en")[:-1].split())
        return clean, damaged, "en", tag
    if cls == "a-sig-mixed":
        lang = rng.choice(LATIN_LANGS)
        s = sentence(rng, lang)
        if not has_non_ascii(s):
            return None
        clean, damaged, tag = sig_damage(rng, s.split(" "))
        return clean, damaged, lang, tag
    if cls in ("b-1252-1", "c-1252-2", "d-1252-3", "e-latin1", "f-macroman"):
        lang = lang_mix(rng)
        s = sentence(rng, lang)
        if not has_non_ascii(s):
            return None
        if cls == "e-latin1":
            return s, s.encode("utf-8").decode("latin-1"), lang
        if cls == "f-macroman":
            return s, s.encode("utf-8").decode("mac_roman"), lang
        return s, moj(s, {"b": 1, "c": 2, "d": 3}[cls[0]]), lang
    if cls == "g-cesu8":
        lang = lang_mix(rng)
        s = sentence(rng, lang)
        if not any(ord(c) > 0xFFFF for c in s):
            ws = s.split(" ")
            at = rng.randrange(len(ws))
            ws[at] += rng.choice(["", " "]) + rng.choice(EMOJI)
            s = " ".join(ws)
        return s, cesu8(s).decode("sloppy-windows-1252"), lang
    if cls in ("h-nbsp-to-space", "h-nbsp-lost", "h-nbsp-collapsed"):
        lang = rng.choice(["fr", "it", "pt", "ca", "vi"])
        s = sentence(rng, lang, native=True).replace("\u00a0", " ").replace("\u202f", " ")
        if "à" not in s:
            aw = [w for w in words(lang) if "à" in w]
            ws = s.split(" ")
            ws.insert(rng.randrange(len(ws) + 1), rng.choice(aw))
            s = " ".join(ws)
        d = moj(s)
        if cls == "h-nbsp-collapsed":
            # As `" ".join(text.split())` leaves it: no-break spaces are whitespace to Python.
            return re.sub(" +", " ", s), re.sub(" +", " ", d.replace("\u00a0", " ")), lang
        return s, d.replace("\u00a0", " " if cls == "h-nbsp-to-space" else ""), lang
    if cls == "i-dagger":
        # As in seeds/001: `†` where ” and a space were, and a ” at a line end lost as `â€`.
        m1 = damage_member(rng, "i-dagger-alone")
        if m1 is None:
            return None
        lang = m1[2]
        ws = plain_sentence(rng, lang)[:-1].split(" ")
        line2 = " ".join(ws[:-2]) + ": “" + " ".join(ws[-2:]) + ".”"
        return m1[0] + "\n" + line2, m1[1] + "\n" + line2[:-1] + "â€", lang
    if cls in ("i-lost-quote", "i-dagger-alone", "i-lost-quote-whole"):
        lang = rng.choice(LATIN1_LANGS)
        ws = plain_sentence(rng, lang)[:-1].split(" ")
        a = rng.randrange(len(ws))
        b = min(len(ws) - 1, a + rng.randint(0, 3))
        inner = rng.choice(["", "", ",", ".", "!", "?", "…"])
        ws[a] = "“" + ws[a]
        ws[b] = ws[b] + inner + "”"
        end = rng.choice(["", ".", " said one.", ", he said.", " — and more."])
        if cls == "i-dagger-alone" and b == len(ws) - 1 and not end.startswith(" "):
            end = " said one."
        s = " ".join(ws) + end
        if rng.random() < 0.5:  # other correct curly punctuation in the document
            s = rng.choice(["It’s true: ", "‘Yes’, ", "Nobody’s sure — "]) + s
        q = s.rindex("”")
        if cls == "i-lost-quote":
            return s, s[:q] + "â€" + s[q + 1:], lang
        if cls == "i-dagger-alone":
            if s[q + 1:q + 2] != " ":
                return None
            return s, s[:q] + "†" + s[q + 2:], lang
        return s, s.encode("utf-8").decode("windows-1252", errors="ignore"), lang
    if cls in ("j-nel-alone", "j-nel-with-c1"):
        lang = rng.choice(LATIN1_LANGS)
        s = sentence(rng, lang) if cls == "j-nel-with-c1" else plain_sentence(rng, lang)
        ws = s.split(" ")
        at = rng.randrange(max(1, len(ws) - 1))
        ws[at] += "…"
        s = " ".join(ws)
        try:
            b = s.encode("cp1252")
        except UnicodeEncodeError:
            return None
        others = [x for x in b if 0x80 <= x <= 0x9F and x != 0x85]
        if cls == "j-nel-with-c1" and not others:
            return None
        if cls == "j-nel-alone" and others:
            return None
        return s, b.decode("latin-1"), lang
    if cls == "k-caps":
        lang, w = rng.choice(k_words())
        lows = {c.lower() for c in K_CAPS}
        s = sentence(rng, lang)
        w = w.upper() if (rng.random() < 0.5 or w[0] not in lows) else w[:1].upper() + w[1:]
        ws = s.split(" ")
        ws.insert(rng.randrange(len(ws) + 1), w)
        s = " ".join(ws)
        return s, moj(s), lang, moj(next(c for c in w if c in K_CAPS))
    if cls == "l-nonlatin-lost":
        lang = rng.choice(["el", "ru", "uk", "bg", "mk", "he", "ar"])
        s = sentence(rng, lang) if rng.random() < 0.5 else plain_sentence(rng, lang)
        if rng.random() < 0.3:  # a Latin-script sentence around the words
            s = plain_sentence(rng, "en", 4)[:-1] + " " + s
        b = s.encode("utf-8")
        # Bytes Windows-1252 leaves undefined, inside a character of the script.
        cands = [i for i, x in enumerate(b) if x in UNDEF_1252 and i > 0 and b[i - 1] in range(0xCE, 0xDA)]
        if not cands:
            return None
        i = rng.choice(cands)
        # Which letter lost its byte no context decides (`Ð` + the lost 0x9D is `Н`, + 0x90
        # `А`): the truth is the sentence with that letter marked U+FFFD, as ftfy marks it.
        marked = (b[:i - 1] + "\ufffd".encode("utf-8") + b[i + 1:]).decode("utf-8")
        return marked, (b[:i] + b[i + 1:]).decode("sloppy-windows-1252"), lang
    if cls in ("m-symbol-alone", "m-shape-alone"):
        lang = rng.choice(LATIN_LANGS)
        s = sentence(rng, lang)
        ws = s.split(" ")
        sym = rng.choice(M_SYMBOLS if cls == "m-symbol-alone" else M_SHAPES)
        at = rng.randrange(len(ws) + 1)
        glue = rng.random()
        if glue < 0.2 and at < len(ws):
            ws[at] = sym + ws[at]  # before a word: `✓Done`
        elif glue < 0.4 and at > 0:
            ws[at - 1] += sym  # after a word: `Brincadeira✅`
        else:
            ws.insert(at, sym)
        s = " ".join(ws)
        return s, s.replace(sym, moj(sym)), lang, moj(sym)
    raise ValueError(cls)


# Symbols news and social text use, whose UTF-8 misread as Windows-1252 is `â`, then a sign, a
# letter or a C1 control (named class E: `âœ“` for `✓`).
M_SYMBOLS = list("←↑→↓↔⇒⇨∑−√∞≈≠≤≥⌚⏰☀☎★☆☑☺♀♂♠♣♥♦♪♫⚠⚡⚽✂✈✉✌✍✓✔✗✘✅✨❌❓❗❤➡⟶⬅⬆⬇⭐")
# Shapes and box drawing, misread as `â` and a quote or dash (`â–º` for `►`): the shape of
# correct text such as `é…”`, so textwash takes them only beside other damage.
M_SHAPES = list("─│┌┐└┘■□▪▲►▼◄◆○●◦")


RECALL_CLASSES = [
    ("a-sig-ascii", "one Latin-1 symbol (or NBSP, or € as Â€) as Â + it, in English text otherwise clean"),
    ("a-sig-mixed", "the same in a sentence with correct accents and typography"),
    ("b-1252-1", "whole sentence UTF-8 read as Windows-1252 (undefined bytes as C1), one layer"),
    ("c-1252-2", "the same, two layers"),
    ("d-1252-3", "the same, three layers"),
    ("e-latin1", "whole sentence UTF-8 read as Latin-1 (C1 controls)"),
    ("f-macroman", "whole sentence UTF-8 read as MacRoman"),
    ("g-cesu8", "sentence with emoji, CESU-8 (surrogates encoded separately) read as Windows-1252"),
    ("h-nbsp-to-space", "sentence with à, read as Windows-1252, every NBSP then a space (Ã + space)"),
    ("h-nbsp-lost", "the same, every NBSP dropped (Ã absorbs the space)"),
    ("h-nbsp-collapsed", "the same, every NBSP a space and runs of spaces collapsed (`' '.join(s.split())`)"),
    ("i-lost-quote", "closing ” as â€ (0x9D lost), the rest of the document correct"),
    ("i-dagger", "closing ” + space as † and, on a second line, a line-end ” as â€ (as in seeds/001)"),
    ("i-dagger-alone", "closing ” + space as †, the rest of the document correct"),
    ("i-lost-quote-whole", "whole sentence with “…” read as Windows-1252, undefined bytes lost"),
    ("j-nel-alone", "Windows-1252 text with … read as Latin-1: U+0085 the only C1"),
    ("j-nel-with-c1", "the same, with other C1 controls (curly quotes, dashes) too"),
    ("k-caps", "whole sentence read as Windows-1252 with a capital misread as Ã/Å + C1 or punctuation"),
    ("l-nonlatin-lost", "Greek/Cyrillic/Hebrew/Arabic read as Windows-1252 with one undefined byte lost"
                        " (truth: the letter that lost it marked U+FFFD)"),
    ("m-symbol-alone", "one symbol (arrow, math, star, heart, check mark, dingbat) misread as `â` + a"
                       " sign or letter + one more, in a sentence otherwise correct"),
    ("m-shape-alone", "one shape or box-drawing line misread as `â` + a quote or dash + one more"
                      " (`â–º`), otherwise correct: left alone by design, measured for the record"),
]


# `à` directly before a sign, or before a space and a sign: what follows `Ã` in the damage does
# not say whether the space was the no-break space's or the text's.
A_GRAVE_SIGN = re.compile(r"à( ?)([^\w\s])")


def cmd_recall(args):
    work = args.work
    os.makedirs(work, exist_ok=True)
    rng = random.Random(args.seed)
    members = args.limit or args.members
    data = []  # (id, cls, lang, clean, damaged)
    tags = {}  # id -> the damaged sequence, for classes that vary it (a, k)
    for cls, _ in RECALL_CLASSES:
        got = 0
        tries = 0
        while got < members:
            tries += 1
            if tries > members * 50:
                raise SystemExit(f"cannot make members of {cls}")
            m = damage_member(rng, cls)
            if m is None:
                continue
            clean, damaged, lang = m[:3]
            tags[f"{cls}:{got}"] = m[3] if len(m) > 3 else None
            clean = unicodedata.normalize("NFC", clean)
            if damaged == clean:
                continue
            data.append((f"{cls}:{got}", cls, lang, clean, damaged))
            got += 1
    inp = os.path.join(work, "recall-input.jsonl")
    write_jsonl(inp, ({"id": d[0], "text": d[4], "expected": d[3]} for d in data))
    out_path = os.path.join(work, "recall-textwash.jsonl")
    wall = textwash_fix(args, inp, out_path)
    tw = read_outputs(out_path)
    ft = {}
    t0 = time.perf_counter()
    for d in data:
        ft[d[0]] = ftfy.fix_text(d[4], FTFY_POLICY)
    ft_time = time.perf_counter() - t0
    damaged_bytes = sum(len(d[4].encode("utf-8")) for d in data)
    write_jsonl(os.path.join(work, "recall-ftfy.jsonl"), ({"id": d[0], "text": ft[d[0]]} for d in data))

    rows = []
    rep = [f"Recall on generated damage: textwash {args.bin}; ftfy {ftfy.__version__} (defaults, "
           f"uncurl_quotes=False); seed {args.seed}, {members} members per class",
           "exact = output equal to the clean sentence; marked = equal but for U+FFFD where the byte was lost", ""]
    header = f"{'class':<20} {'members':>7} {'textwash':>15} {'ftfy':>15}  description"
    rep.append(header)
    details = []
    extra_rows = []
    for cls, desc in RECALL_CLASSES:
        ds = [d for d in data if d[1] == cls]
        tw_ok = [d for d in ds if tw.get(d[0]) == d[3]]
        ft_ok = [d for d in ds if ft[d[0]] == d[3]]
        tw_fail = [d for d in ds if tw.get(d[0]) != d[3]]
        ft_fail = [d for d in ds if ft[d[0]] != d[3]]
        row = {"class": cls, "description": desc, "members": len(ds), "textwash_exact": len(tw_ok),
               "ftfy_exact": len(ft_ok)}
        if cls in ("l-nonlatin-lost", "i-lost-quote-whole"):
            def marked(out, clean):
                return out is not None and len(out) == len(clean) and all(
                    a == b or a == "\ufffd" for a, b in zip(out, clean))
            row["textwash_exact_or_marked"] = sum(marked(tw.get(d[0]), d[3]) for d in ds)
            row["ftfy_exact_or_marked"] = sum(marked(ft[d[0]], d[3]) for d in ds)
        if any(tags.get(d[0]) for d in ds):
            by_tag = collections.defaultdict(lambda: [0, 0, 0])
            for d in ds:
                t_ = by_tag[tags[d[0]]]
                t_[0] += 1
                t_[1] += tw.get(d[0]) == d[3]
                t_[2] += ft[d[0]] == d[3]
            row["by_damage"] = {k: {"members": v[0], "textwash_exact": v[1], "ftfy_exact": v[2]}
                                for k, v in sorted(by_tag.items(), key=lambda kv: -kv[1][0])}
            details.append(f"== {cls}: exact by damaged sequence (textwash/ftfy/members): " + ", ".join(
                f"{visible(k)} {v[1]}/{v[2]}/{v[0]}" for k, v in sorted(by_tag.items(), key=lambda kv: -kv[1][0])))
        if cls.startswith("h-nbsp"):
            # Where `à` meets a sign (`università!`, `serà °C`), the space that may follow `Ã`
            # is `à`'s no-break space in one text and the text's own in another: the damage
            # reads the same (`Ã !`), in this class or against the others. Before a letter, what
            # decides is whether the letters go on with the word (`pÃ gina`) or are a word.
            split = collections.defaultdict(lambda: [0, 0, 0])
            for d in ds:
                key = "next to a sign" if A_GRAVE_SIGN.search(d[3]) else "before letters"
                split[key][0] += 1
                split[key][1] += tw.get(d[0]) == d[3]
                split[key][2] += ft[d[0]] == d[3]
            row["by_what_follows_a_grave"] = {
                k: {"members": v[0], "textwash_exact": v[1], "ftfy_exact": v[2]} for k, v in split.items()}
            if cls == "h-nbsp-collapsed":
                # The best any rule can do next to a sign: for each sign, the larger share of
                # `à` glued to it or spaced from it (the damage is the same); every other member
                # counted right.
                seen = [[(m.group(2), bool(m.group(1))) for m in A_GRAVE_SIGN.finditer(d[3])]
                        for d in ds]
                shares = collections.Counter(o for occ in seen for o in occ)
                majority = {sign: shares[(sign, False)] >= shares[(sign, True)] for sign, _ in shares}
                wrong = sum(any((not spaced) != majority[sign] for sign, spaced in occ) for occ in seen)
                row["best_possible_exact"] = len(ds) - wrong
                extra_rows.append(f"{'  …best possible':<20} {'':>7} "
                                  f"{len(ds) - wrong:>5} {100 * (len(ds) - wrong) / max(1, len(ds)):6.1f}%"
                                  "  (any rule, next to a sign: the damage is the same glued or spaced)")
            for k in ("before letters", "next to a sign"):
                v = split[k]
                sub_pct = lambda n: f"{n:>5} {100 * n / max(1, v[0]):6.1f}%"  # noqa: E731
                extra_rows.append(f"{'  …à ' + k:<20} {v[0]:>7} {sub_pct(v[1]):>15} {sub_pct(v[2]):>15}")
        fail_langs = collections.Counter(d[2] for d in tw_fail)
        row["textwash_failures_by_language"] = dict(fail_langs.most_common(8))
        row["textwash_failing_examples"] = [
            {"damaged": d[4], "expected": d[3], "textwash": tw.get(d[0]), "ftfy": ft[d[0]]} for d in tw_fail[:5]]
        row["ftfy_failing_examples"] = [
            {"damaged": d[4], "expected": d[3], "ftfy": ft[d[0]], "textwash": tw.get(d[0])} for d in ft_fail[:3]]
        rows.append(row)
        pct = lambda k: f"{k:>5} {100 * k / max(1, len(ds)):6.1f}%"  # noqa: E731
        rep.append(f"{cls:<20} {len(ds):>7} {pct(len(tw_ok)):>15} {pct(len(ft_ok)):>15}  {desc}")
        rep.extend(extra_rows)
        extra_rows.clear()
        if "textwash_exact_or_marked" in row:
            rep.append(f"{'  …exact or marked':<20} {'':>7} {pct(row['textwash_exact_or_marked']):>15} "
                       f"{pct(row['ftfy_exact_or_marked']):>15}")
        details.append(f"== {cls}: {desc}")
        details.append(f"   textwash failures by language: {dict(fail_langs.most_common(8))}")
        for e in row["textwash_failing_examples"]:
            details.append(f"   damaged:  {visible(e['damaged'])}")
            details.append(f"   expected: {visible(e['expected'])}")
            details.append(f"   textwash: {visible(e['textwash'])}")
            details.append(f"   ftfy:     {visible(e['ftfy'])}")
            details.append("")
        for e in row["ftfy_failing_examples"]:
            details.append(f"   (ftfy fails) damaged:  {visible(e['damaged'])}")
            details.append(f"                expected: {visible(e['expected'])}")
            details.append(f"                ftfy:     {visible(e['ftfy'])}")
        details.append("")
    rep.append("")
    rep.append(f"time on the damaged members ({damaged_bytes / 1e6:.2f} MB): textwash fix -j {args.threads} "
               f"{wall:.2f} s wall (process start included), ftfy {ft_time:.1f} s "
               f"({damaged_bytes / 1e6 / ft_time:.2f} MB/s)")
    rep.append("")
    text = "\n".join(rep + details) + "\n"
    with open(os.path.join(work, "recall-report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(work, "recall-summary.json"), "w", encoding="utf-8") as f:
        json.dump({"binary": args.bin, "seed": args.seed, "members_per_class": members,
                   "ftfy_config": "defaults, uncurl_quotes=False", "classes": rows}, f,
                  ensure_ascii=False, indent=1)
    print("\n".join(rep))


# ---------------------------------------------------------------------------------------------
# real: news-dev and boilerplate-dev, textwash and ftfy side by side
# ---------------------------------------------------------------------------------------------

def real_documents(data_dir, limit):
    docs = []
    for name in ("bbc", "reuters21578"):
        with open(os.path.join(data_dir, "news-dev", f"{name}.jsonl"), encoding="utf-8") as f:
            for k, line in enumerate(f):
                if limit and k >= limit:
                    break
                r = json.loads(line)
                if r.get("text"):
                    docs.append((f"{name}:{r['id']}", name, r["text"]))
    with open(os.path.join(data_dir, "boilerplate-dev.jsonl"), encoding="utf-8") as f:
        for k, line in enumerate(f):
            if limit and k >= limit:
                break
            r = json.loads(line)
            text = "\n".join(l["text"] for l in r["lines"])
            if text:
                docs.append((f"boilerplate:{r['id']}", "boilerplate", text))
    return docs


def cmd_real(args):
    work = args.work
    os.makedirs(work, exist_ok=True)
    docs = real_documents(args.data, args.limit)
    inp = os.path.join(work, "real-input.jsonl")
    write_jsonl(inp, ({"id": d[0], "text": d[2]} for d in docs))
    mb = sum(len(d[2].encode("utf-8")) for d in docs) / 1e6
    out_path = os.path.join(work, "real-textwash.jsonl")
    textwash_fix(args, inp, out_path)
    tw = read_outputs(out_path)
    textwash_fix(args, inp, os.path.join(work, "real-textwash-explain.txt"), explain=True)

    # Timing, one core each, same input: textwash pinned to CPU 0 with one thread (best of 3),
    # ftfy in this process.
    tw_times = []
    taskset = ["taskset", "-c", "0"] if shutil_which("taskset") else []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run(taskset + [args.bin, "fix", "--jsonl", "-j", "1", inp], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
        tw_times.append(time.perf_counter() - t)
    ft_pol, ft_def = {}, {}
    t = time.perf_counter()
    for d in docs:
        ft_pol[d[0]] = ftfy.fix_text(d[2], FTFY_POLICY)
    ft_pol_time = time.perf_counter() - t
    t = time.perf_counter()
    for d in docs:
        ft_def[d[0]] = ftfy.fix_text(d[2], FTFY_DEFAULT)
    ft_def_time = time.perf_counter() - t
    write_jsonl(os.path.join(work, "real-ftfy.jsonl"), ({"id": d[0], "text": ft_pol[d[0]]} for d in docs))
    write_jsonl(os.path.join(work, "real-ftfy-default.jsonl"), ({"id": d[0], "text": ft_def[d[0]]} for d in docs))

    stats = collections.defaultdict(collections.Counter)
    tw_cls, ft_cls, ftd_cls, diff_cls, diff_pat = Tally(1), Tally(1), Tally(1), Tally(1), Tally(1)
    listing = []
    for did, corpus, text in docs:
        a = text.split("\n")
        b = tw[did].split("\n")
        c = ft_pol[did].split("\n")
        e = ft_def[did].split("\n")
        if not (len(a) == len(b) == len(c) == len(e)):
            stats[corpus]["documents whose line count changed (compared whole)"] += 1
            a, b, c, e = [text], [tw[did]], [ft_pol[did]], [ft_def[did]]
        for ln, (x, y, z, w) in enumerate(zip(a, b, c, e), 1):
            s = stats[corpus]
            s["lines"] += 1
            s["changed by textwash"] += x != y
            s["changed by ftfy (policy)"] += x != z
            s["changed by ftfy (defaults)"] += x != w
            s["changed by both, same way"] += x != y and y == z
            loc = f"{did} line {ln}"
            twk = {change_key(bf, af): (bf, af) for _, bf, af in diff_changes(x, y)}
            ftk = {change_key(bf, af): (bf, af) for _, bf, af in diff_changes(x, z)}
            for k in twk:
                tw_cls.add(k, f"{loc}: {x[:200]}")
            for k in ftk:
                ft_cls.add(k, f"{loc}: {x[:200]}")
            if x != w:
                for _, bf, af in diff_changes(x, w):
                    ftd_cls.add(change_key(bf, af), f"{loc}: {x[:200]}")
            if y != z:
                s["textwash ≠ ftfy (policy)"] += 1
                for k, (bf, af) in twk.items():
                    if k not in ftk:
                        diff_cls.add("textwash only: " + k, f"{loc}: {x[:300]}")
                        diff_pat.add("textwash only: " + pattern_key(bf, af), f"{loc}: {k}")
                for k, (bf, af) in ftk.items():
                    if k not in twk:
                        diff_cls.add("ftfy only: " + k, f"{loc}: {x[:300]}")
                        diff_pat.add("ftfy only: " + pattern_key(bf, af), f"{loc}: {k}")
                listing.append(f"## {loc}\nbefore:   {visible(x)}\ntextwash: {visible(y)}\n"
                               f"ftfy:     {visible(z)}\nftfy-def: {visible(w)}\n"
                               f"textwash-only: {[k for k in twk if k not in ftk]}\n"
                               f"ftfy-only:     {[k for k in ftk if k not in twk]}\n")
    with open(os.path.join(work, "real-differing-lines.txt"), "w", encoding="utf-8") as f:
        f.write(f"# {len(listing)} lines where textwash and ftfy (defaults, uncurl_quotes=False) differ\n"
                "# before / textwash / ftfy (policy) / ftfy (defaults); judge each by hand\n\n")
        f.write("\n".join(listing))
    tw_best = min(tw_times)
    rep = [f"Real text side by side: textwash {args.bin} and ftfy {ftfy.__version__}",
           "ftfy (policy) = defaults but uncurl_quotes=False: the same fixes textwash has on by default",
           "(ligatures, fullwidth, NFC, HTML, C1, control characters, line breaks; quotes stay curly).",
           "ftfy (defaults) also straightens curly quotes. Documents are fixed whole and compared line by line.",
           f"{len(docs)} documents, {mb:.1f} MB", ""]
    corpora = ["bbc", "reuters21578", "boilerplate"]
    keys = ["lines", "changed by textwash", "changed by ftfy (policy)", "changed by ftfy (defaults)",
            "changed by both, same way", "textwash ≠ ftfy (policy)",
            "documents whose line count changed (compared whole)"]
    rep.append(f"{'':<52}" + "".join(f"{c:>14}" for c in corpora + ["all"]))
    for k in keys:
        rep.append(f"{k:<52}" + "".join(f"{stats[c][k]:>14}" for c in corpora)
                   + f"{sum(stats[c][k] for c in corpora):>14}")
    rep.append("")
    rep.append(f"speed, one core, same {mb:.1f} MB: textwash fix --jsonl -j 1 (taskset -c 0, best of 3, "
               f"whole process) {tw_best:.2f} s = {mb / tw_best:.1f} MB/s; ftfy (policy) {ft_pol_time:.1f} s = "
               f"{mb / ft_pol_time:.2f} MB/s; ftfy (defaults) {ft_def_time:.1f} s = {mb / ft_def_time:.2f} MB/s; "
               f"ratio {ft_pol_time / tw_best:.0f}×")
    rep.append(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    rep.append("")
    rep.append(diff_cls.table("classes of difference (lines where they differ; a line counts once per class)"))
    rep.append("")
    rep.append(diff_pat.table("the same by pattern", top=40))
    rep.append("")
    rep.append(tw_cls.table("all textwash changes by class (lines)", top=40))
    rep.append("")
    rep.append(ft_cls.table("all ftfy (policy) changes by class (lines)", top=40))
    rep.append("")
    rep.append(ftd_cls.table("all ftfy (defaults) changes by class (lines)", top=15))
    text = "\n".join(rep) + "\n"
    with open(os.path.join(work, "real-report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(work, "real-summary.json"), "w", encoding="utf-8") as f:
        json.dump({"binary": args.bin, "documents": len(docs), "megabytes": mb,
                   "stats": {c: dict(stats[c]) for c in corpora},
                   "speed": {"textwash_seconds": tw_times, "ftfy_policy_seconds": ft_pol_time,
                             "ftfy_default_seconds": ft_def_time},
                   "difference_classes": diff_cls.json(), "difference_patterns": diff_pat.json(),
                   "textwash_classes": tw_cls.json(), "ftfy_policy_classes": ft_cls.json(),
                   "ftfy_default_classes": ftd_cls.json(100)}, f, ensure_ascii=False, indent=1)
    print(text[:8000])


def shutil_which(cmd):
    import shutil
    return shutil.which(cmd)


# ---------------------------------------------------------------------------------------------
# detect: documents re-encoded to each encoding textwash detects, decoded back by `run`
# ---------------------------------------------------------------------------------------------

# (name textwash reports, Python codec to write with, languages for generated documents)
# Names as encoding_rs/chardetng give them; Shift_JIS and EUC-KR are their Windows supersets
# there (cp932, cp949), KOI8-R is reported as KOI8-U. MacRoman is not among chardetng's
# encodings: it is measured to show what happens to it.
DETECT_ENCODINGS = [
    ("windows-1252", "cp1252", ["fr", "de", "es", "pt", "it", "nl", "sv", "da", "nb", "fi", "is", "ca"]),
    ("windows-1250", "cp1250", ["pl", "cs", "hu", "sk", "sl", "sh"]),
    ("ISO-8859-2", "iso8859_2", ["pl", "cs", "hu", "sk", "sl", "sh"]),
    ("windows-1251", "cp1251", ["ru", "uk", "bg", "mk"]),
    ("KOI8-R", "koi8_r", ["ru"]),
    ("KOI8-U", "koi8_u", ["uk", "ru"]),
    ("ISO-8859-5", "iso8859_5", ["ru", "bg"]),
    ("IBM866", "cp866", ["ru"]),
    ("windows-1253", "cp1253", ["el"]),
    ("ISO-8859-7", "iso8859_7", ["el"]),
    ("windows-1254", "cp1254", ["tr"]),
    ("windows-1255", "cp1255", ["he"]),
    ("ISO-8859-8", "iso8859_8", ["he"]),
    ("windows-1256", "cp1256", ["ar", "fa", "ur"]),
    ("ISO-8859-6", "iso8859_6", ["ar"]),
    ("windows-1257", "cp1257", ["lt", "lv"]),
    ("ISO-8859-13", "iso8859_13", ["lt", "lv"]),
    ("ISO-8859-4", "iso8859_4", ["lt", "lv"]),
    ("windows-874", "cp874", ["th"]),
    ("Shift_JIS", "cp932", ["ja"]),
    ("EUC-JP", "euc_jp", ["ja"]),
    ("ISO-2022-JP", "iso2022_jp", ["ja"]),
    ("EUC-KR", "cp949", ["ko"]),
    ("GBK", "gbk", ["zh"]),
    ("gb18030", "gb18030", ["zh"]),
    ("Big5", "big5", ["zh"]),
    ("UTF-16LE", "utf-16-le", ["en", "fr", "de", "ru", "el", "zh", "ja", "ar"]),
    ("UTF-16BE", "utf-16-be", ["en", "fr", "de", "ru", "el", "zh", "ja", "ar"]),
    ("macintosh", "mac_roman", ["fr", "de", "es"]),
]
# Detections that decode the same text (chardetng names KOI8-R by its superset KOI8-U).
EQUIVALENT = {"KOI8-R": {"KOI8-U"}, "ISO-8859-8": {"ISO-8859-8-I"}, "gb18030": {"GBK"}, "GBK": {"gb18030"}}


def generated_doc(rng, lang, codec):
    """A document of 4-15 sentences in `lang` that `codec` can encode (typography dropped from
    sentences it cannot)."""
    out = []
    for _ in range(rng.randint(4, 15)):
        for _ in range(10):
            s = sentence(rng, lang)
            try:
                if s.encode(codec).decode(codec) == s:
                    break
            except UnicodeEncodeError:
                pass
            s = None
        if s is None:
            s = plain_sentence(rng, lang)
            try:
                if s.encode(codec).decode(codec) != s:
                    continue
            except UnicodeEncodeError:
                continue
        out.append(s)
    return "\n".join(out) + "\n" if out else None


def safe_name(s):
    return re.sub(r"[^A-Za-z0-9._-]", "_", s)


def cmd_detect(args):
    import shutil
    work = args.work
    rng = random.Random(args.seed)
    news = []
    for name in ("bbc", "reuters21578"):
        with open(os.path.join(args.data, "news-dev", f"{name}.jsonl"), encoding="utf-8") as f:
            for line in f:
                r = json.loads(line)
                if r.get("text"):
                    news.append((f"{name}-{r['id']}", r["text"]))
    pages = []
    with open(os.path.join(args.data, "boilerplate-dev.jsonl"), encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if r["extractor"] == "html-text":
                pages.append((r["page"], "\n".join(l["text"] for l in r["lines"])))
    news_nonascii = [d for d in news if has_non_ascii(d[1])]
    news_ascii = [d for d in news if not has_non_ascii(d[1])]
    per_enc = args.limit or args.generated
    results = []
    rep = [f"Detection: documents re-encoded, written as .txt (one per file), read back by "
           f"`{args.bin} run DIR -o OUT --stages none`; exact = the decoded text equals the original",
           f"news-dev: the {len(news_nonascii)} documents with a non-ASCII character ({len(news_ascii)} are ASCII, "
           f"the same bytes in every ASCII-compatible encoding: read as UTF-8, exact by construction; "
           f"for UTF-16 a sample of 2000 of them is added); boilerplate: the {len(pages)} whole pages "
           f"(html-text) of boilerplate-dev; generated: {per_enc} documents per encoding from wordfreq words "
           f"of its languages. A document is used only where the encoding can represent it.", ""]
    rep.append(f"{'encoding':<14} {'corpus':<12} {'docs':>6} {'exact':>6} {'%':>6} {'wrong':>6}  commonest wrong detections (example change)")
    for enc, codec, langs in DETECT_ENCODINGS:
        ind = os.path.join(work, "in", enc)
        outd = os.path.join(work, "out", enc)
        shutil.rmtree(ind, ignore_errors=True)
        shutil.rmtree(outd, ignore_errors=True)
        expected = {}
        corpora = [("news-dev", news_nonascii + (rng.sample(news_ascii, 2000) if enc.startswith("UTF-16") else [])),
                   ("boilerplate", pages)]
        gen = []
        for k in range(per_enc):
            lang = langs[k % len(langs)]
            doc = generated_doc(rng, lang, codec)
            if doc:
                gen.append((f"{lang}-{k}", doc))
        corpora.append(("generated", gen))
        skipped = collections.Counter()
        for corpus, docs in corpora:
            os.makedirs(os.path.join(ind, corpus), exist_ok=True)
            n = 0
            for did, text in docs:
                if args.limit and n >= args.limit:
                    break
                try:
                    b = text.encode(codec)
                    if b.decode(codec) != text:  # cp932 writes £ as ￡'s bytes: no way back
                        raise UnicodeEncodeError(codec, text, 0, 1, "does not round-trip")
                except UnicodeEncodeError:
                    skipped[corpus] += 1
                    continue
                rel = f"{corpus}/{safe_name(did)}.txt"
                with open(os.path.join(ind, rel), "wb") as f:
                    f.write(b)
                expected[rel] = text
                n += 1
        p = subprocess.run([args.bin, "run", ind, "-o", outd, "--stages", "none", "-q", "--force",
                            "-j", str(args.threads)], capture_output=True, text=True)
        if p.returncode not in (0, 2):
            log(f"{enc}: textwash run failed ({p.returncode}): {p.stderr[-1000:]}")
        detected = {}
        try:
            with open(os.path.join(outd, "report.json"), encoding="utf-8") as f:
                report = json.load(f)
            for t in report.get("transcoded", []):
                detected[os.path.relpath(t["file"], ind)] = t["encoding"]
        except (OSError, ValueError):
            report = {}
        by_corpus = collections.defaultdict(lambda: {"docs": 0, "exact": 0, "wrong": Tally(1)})
        for rel, text in expected.items():
            corpus = rel.split("/")[0]
            r = by_corpus[corpus]
            r["docs"] += 1
            try:
                with open(os.path.join(outd, rel), encoding="utf-8") as f:
                    got = f.read()
            except OSError:
                got = None
            det = detected.get(rel, "UTF-8")
            if got == text:
                r["exact"] += 1
            else:
                if got is None:
                    ex = f"{rel}: missing"
                else:
                    # The first difference, not a full diff: a wrong decoding differs everywhere,
                    # and difflib is quadratic on that.
                    k = next((k for k, (x, y) in enumerate(zip(text, got)) if x != y), min(len(text), len(got)))
                    ch = diff_changes(text[k:k + 12], got[k:k + 12])
                    ex = f"{rel}: {change_key(ch[0][1], ch[0][2])}" if ch else f"{rel}: length"
                if det == enc or det in EQUIVALENT.get(enc, ()):
                    det = "(right encoding, other text)"
                r["wrong"].add(det, ex)
        for corpus in ("news-dev", "boilerplate", "generated"):
            r = by_corpus[corpus]
            if not r["docs"] and not skipped[corpus]:
                continue
            wrong = r["docs"] - r["exact"]
            top = "; ".join(f"{k} {n}× ({r['wrong'].examples[k][0]})" for k, n in r["wrong"].count.most_common(3))
            pct = 100 * r["exact"] / r["docs"] if r["docs"] else float("nan")
            rep.append(f"{enc:<14} {corpus:<12} {r['docs']:>6} {r['exact']:>6} {pct:>6.1f} {wrong:>6}  {top}"
                       + (f"  [{skipped[corpus]} not representable]" if skipped[corpus] else ""))
            results.append({"encoding": enc, "codec": codec, "corpus": corpus, "docs": r["docs"],
                            "exact": r["exact"], "wrong": wrong, "not_representable": skipped[corpus],
                            "wrong_detections": r["wrong"].json()})
        log(f"detect: {enc} done")
    text = "\n".join(rep) + "\n"
    with open(os.path.join(work, "detect-report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(work, "detect-summary.json"), "w", encoding="utf-8") as f:
        json.dump({"binary": args.bin, "seed": args.seed, "results": results}, f, ensure_ascii=False, indent=1)
    print(text)


# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# evidence: how often each named class occurs in real text and in the same text misread
# ---------------------------------------------------------------------------------------------

CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3]")


def cmd_evidence(args):
    """Occurrences of each named class's pattern in the real text of the evaluation data (all
    correct UTF-8) and in the same text misread once as Windows-1252: how much more often the
    pattern is damage than text."""
    docs = real_documents(args.data, args.limit)
    pats = {k: re.compile(v) for k, v in NAMED_CLASS_RE.items()}
    real = collections.Counter()
    damaged = collections.Counter()
    examples = collections.defaultdict(list)
    chars = 0
    for _, _, text in docs:
        chars += len(text)
        for line in text.split("\n"):
            cjk = bool(CJK_RE.search(line))
            bad = moj(line)
            for k, pat in pats.items():
                if k == "D" and cjk:
                    continue
                for m in pat.finditer(line):
                    real[k] += 1
                    if len(examples[k]) < 5:
                        examples[k].append(line[max(0, m.start() - 30):m.end() + 30])
                if k != "D":
                    damaged[k] += len(pat.findall(bad))
    # The words of every language the negative suite uses, each as it is and misread.
    wreal, wdamaged = collections.Counter(), collections.Counter()
    nwords = 0
    for lang in LANGS:
        for w in words(lang):
            nwords += 1
            for k, pat in pats.items():
                if k != "D":
                    wreal[k] += len(pat.findall(w))
                    wdamaged[k] += len(pat.findall(moj(w)))
    rep = [f"Named classes in real text: {len(docs)} documents, {chars / 1e6:.1f} M characters "
           f"({args.data}), and {nwords} words of {len(LANGS)} languages (wordfreq); `damaged` = the "
           f"same text misread once as Windows-1252", ""]
    rep.append(f"  {'class':<6} {'news text':>10} {'damaged':>10} {'words':>8} {'damaged':>8}  what")
    for k, what in NAMED_CLASSES:
        d = "—" if k == "D" else f"{damaged[k]}"
        wr = "—" if k == "D" else f"{wreal[k]}"
        wd = "—" if k == "D" else f"{wdamaged[k]}"
        rep.append(f"  {k:<6} {real[k]:>10} {d:>10} {wr:>8} {wd:>8}  {what}")
        for ex in examples[k]:
            rep.append(f"           e.g. {visible(ex)}")
    text = "\n".join(rep) + "\n"
    with open(os.path.join(args.work, "evidence-report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(args.work, "evidence-summary.json"), "w", encoding="utf-8") as f:
        json.dump({"documents": len(docs), "chars": chars, "real": dict(real), "damaged": dict(damaged),
                   "words": nwords, "words_real": dict(wreal), "words_damaged": dict(wdamaged),
                   "examples": examples}, f, ensure_ascii=False, indent=1)
    print(text)


# ---------------------------------------------------------------------------------------------
# symbols: real lines holding a symbol, that one symbol misread alone
# ---------------------------------------------------------------------------------------------

SYMBOL_BLOCKS_RE = re.compile("[\u2190-\u27ff\u2b00-\u2bff]")


def cmd_symbols(args):
    """Every line of the evaluation data that holds a symbol from arrows to dingbats (U+2190 to
    U+27FF, U+2B00 to U+2BFF: shapes and enclosed letters included), with its first such symbol
    misread as Windows-1252 and the rest of the line correct: restored by each tool, left, or
    changed otherwise (wrong). The same lines as they are must not change (see `real`)."""
    docs = real_documents(args.data, args.limit)
    records, symbols = [], []
    for doc_id, _, text in docs:
        for n, line in enumerate(text.split("\n")):
            m = SYMBOL_BLOCKS_RE.search(line)
            if m:
                sym = m.group(0)
                records.append({"id": f"{doc_id}:{n + 1}", "text": line[:m.start()] + moj(sym) + line[m.end():],
                                "expected": line})
                symbols.append(sym)
    inp = os.path.join(args.work, "symbols-input.jsonl")
    write_jsonl(inp, records)
    out_path = os.path.join(args.work, "symbols-textwash.jsonl")
    textwash_fix(args, inp, out_path)
    tw = read_outputs(out_path)
    per = collections.defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # tw right/left/wrong, ftfy the same
    wrong_lines = []
    for r, sym in zip(records, symbols):
        row = per[sym]
        for k, fixed in enumerate((tw[r["id"]], ftfy.fix_text(r["text"], FTFY_POLICY))):
            if fixed == r["expected"]:
                row[3 * k] += 1
            elif fixed == r["text"]:
                row[3 * k + 1] += 1
            else:
                row[3 * k + 2] += 1
                if k == 0:
                    wrong_lines.append(f"{r['id']}: {visible(r['text'])} → {visible(fixed)}")
        if tw[r["id"]] == r["text"]:
            wrong_lines.append(f"{r['id']} (left): {visible(r['text'])}")
    tot = [sum(v[i] for v in per.values()) for i in range(6)]
    rep = [f"Real lines holding a symbol U+2190-U+27FF or U+2B00-U+2BFF ({args.data}), the first one "
           f"misread as Windows-1252 alone: {len(records)} lines",
           f"textwash {args.bin}; ftfy {ftfy.__version__} (uncurl_quotes=False)", "",
           f"  {'symbol':<8} {'lines':>6}  {'textwash right/left/wrong':>26}  {'ftfy right/left/wrong':>22}"]
    for sym, v in sorted(per.items(), key=lambda kv: -sum(kv[1][:3])):
        rep.append(f"  {sym} {moj(sym):<6} {sum(v[:3]):>6}  {v[0]:>10} {v[1]:>6} {v[2]:>6}    {v[3]:>8} {v[4]:>6} {v[5]:>6}")
    rep.append(f"  {'all':<8} {len(records):>6}  {tot[0]:>10} {tot[1]:>6} {tot[2]:>6}    {tot[3]:>8} {tot[4]:>6} {tot[5]:>6}")
    rep.append("")
    rep.append("textwash's lines not restored (left, or changed otherwise):")
    rep.extend("  " + x for x in wrong_lines)
    text = "\n".join(rep) + "\n"
    with open(os.path.join(args.work, "symbols-report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(args.work, "symbols-summary.json"), "w", encoding="utf-8") as f:
        json.dump({"lines": len(records), "textwash": {"right": tot[0], "left": tot[1], "wrong": tot[2]},
                   "ftfy": {"right": tot[3], "left": tot[4], "wrong": tot[5]}}, f, indent=1)
    print(text, end="")


def main():
    ap = argparse.ArgumentParser(prog="scripts/eval-repair", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", required=True, help=argparse.SUPPRESS)
    sub = ap.add_subparsers(dest="cmd", required=True)
    helps = {
        "negative": "correct text (>= 1M sentences from real words of 42 languages) that must not change",
        "recall": "generated damage per class (a-l): members restored exactly by textwash and by ftfy",
        "real": "news-dev and boilerplate-dev: textwash and ftfy side by side, line by line, and timed",
        "detect": "news-dev, boilerplate-dev pages and generated text re-encoded; detection rate per encoding",
        "evidence": "each named class of change in real text and in the same text misread (no binary run)",
        "symbols": "real lines holding a symbol (arrows to dingbats), that one symbol misread alone",
    }
    for name, h in helps.items():
        p = sub.add_parser(name, help=h, description=h)
        p.add_argument("--bin", help="textwash binary (default $TEXTWASH_BIN or target/release/textwash)")
        p.add_argument("--work", help="work folder (default $TMPDIR/textwash-eval-repair/SUBCOMMAND)")
        p.add_argument("--limit", type=int, help="quick run: fewer sentences / members / documents")
        p.add_argument("--seed", type=int, default=15)
        p.add_argument("-j", "--threads", type=int, default=2, help="textwash threads (default 2)")
        if name == "negative":
            p.add_argument("--ftfy-sample", type=int, default=100_000,
                           help="sentences ftfy runs on, evenly spread (default 100000; 0 = none)")
        if name == "recall":
            p.add_argument("--members", type=int, default=1000, help="members per class (default 1000)")
        if name in ("real", "detect", "evidence", "symbols"):
            p.add_argument("--data", help="the evaluation data folder (default ROOT/../shared/data)")
        if name == "detect":
            p.add_argument("--generated", type=int, default=200,
                           help="generated documents per encoding (default 200)")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin or os.environ.get("TEXTWASH_BIN")
                               or os.path.join(args.root, "target", "release", "textwash"))
    if not os.access(args.bin, os.X_OK):
        raise SystemExit(f"no textwash binary at {args.bin}: build it (cargo build --release) or pass --bin")
    args.work = os.path.abspath(args.work or os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                          "textwash-eval-repair", args.cmd))
    if getattr(args, "data", "unset") is None:
        args.data = os.path.join(os.path.dirname(args.root), "shared", "data")
        if not os.path.isdir(args.data):
            args.data = "/work/shared/data"
    os.makedirs(args.work, exist_ok=True)
    {"negative": cmd_negative, "recall": cmd_recall, "real": cmd_real, "detect": cmd_detect,
     "evidence": cmd_evidence, "symbols": cmd_symbols}[args.cmd](args)


if __name__ == "__main__":
    main()
