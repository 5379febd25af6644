"""include/tessera.h read as documentation: the overview comment, then each
section (its banner title) with its items in order: comment blocks, and the
declarations (#define, typedef, enum, function) that follow them. Shared by
gen-man3.py (section 3 manual pages) and abi.py (the ABI stub)."""
import re

BANNER = re.compile(r"^/\* -{20,}\n((?: \*.*\n)+?) \* -{20,} \*/\n", re.M)
FUNCTION = re.compile(r"\b(tessera_[a-z0-9_]+)\s*\(")


class Section:
    def __init__(self, title, intro):
        self.title, self.intro = title, intro
        self.items = []       # ("comment", text) or ("code", text)
        self.functions = []   # names, in declaration order
        self.prototypes = {}  # name -> declaration text (one line)


def _comment_text(block):
    """The text of a /* ... */ block, without the frame."""
    body = block.strip()
    body = body[2:-2] if body.startswith("/*") and body.endswith("*/") else body
    lines = []
    for line in body.split("\n"):
        line = line.rstrip()
        line = re.sub(r"^\s*\* ?", "", line) if line.strip().startswith("*") else line.strip()
        lines.append(line)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(lines)


def parse(path):
    """(overview text, [Section]) of the header at path."""
    text = open(path).read()
    first = text.index("*/")
    overview = _comment_text(text[: first + 2])
    banners = list(BANNER.finditer(text))
    sections = []
    for k, m in enumerate(banners):
        lines = [re.sub(r"^ \* ?", "", line) for line in m.group(1).rstrip("\n").split("\n")]
        # A title runs over several lines while a parenthesis is open.
        t = 1
        while t < len(lines) and lines[0].count("(") > lines[0].count(")"):
            lines[0] = lines[0].rstrip() + " " + lines[t].strip()
            del lines[t]
        title, intro = lines[0].strip(), "\n".join(lines[1:]).strip()
        # A title's first sentence is the title; the rest is introduction.
        if ". " in title:
            title, rest = title.split(". ", 1)
            intro = (rest + ("\n" + intro if intro else "")).strip()
        title = title.rstrip(".")
        sec = Section(title, intro)
        end = banners[k + 1].start() if k + 1 < len(banners) else text.index("#ifdef __cplusplus", m.end())
        _items(text[m.end():end], sec)
        sections.append(sec)
    return overview, sections


def _items(body, sec):
    i, n = 0, len(body)
    while i < n:
        if body[i].isspace():
            i += 1
            continue
        if body.startswith("/*", i):
            j = body.index("*/", i) + 2
            sec.items.append(("comment", _comment_text(body[i:j])))
            i = j
            continue
        if body.startswith("#", i):
            j = i
            while True:  # a directive with continuation lines
                e = body.find("\n", j)
                e = n if e < 0 else e
                if body[j:e].rstrip().endswith("\\"):
                    j = e + 1
                    continue
                break
            code = body[i:e].rstrip()
            if not code.startswith(("#if", "#else", "#endif")):
                sec.items.append(("code", code))
            i = e
            continue
        # A declaration: up to the ';' that closes it (braces for enums).
        depth, j = 0, i
        while j < n:
            c = body[j]
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
            elif c == ";" and depth == 0:
                break
            j += 1
        code = body[i:j + 1].strip()
        # Trailing comments on the same line belong to the declaration.
        e = body.find("\n", j)
        e = n if e < 0 else e
        tail = body[j + 1:e].strip()
        if tail.startswith("/*") and tail.endswith("*/"):
            code += " " + tail
            j = e - 1
        sec.items.append(("code", code))
        m = FUNCTION.search(code)
        if m and "(" in code and not code.startswith(("typedef", "#")) and "{" not in code:
            name = m.group(1)
            sec.functions.append(name)
            sec.prototypes[name] = re.sub(r"\s+", " ", code.replace("TESSERA_WARN_UNUSED_RESULT", "")).strip()
        i = j + 1


def functions(path):
    """Every function the header declares, in order."""
    return [f for s in parse(path)[1] for f in s.functions]
