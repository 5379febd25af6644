#!/usr/bin/env python3
"""Section 3 manual pages generated from include/tessera.h, so that they
cannot drift from it:

    gen-man3.py HEADER OUTDIR [--date YYYY-MM-DD]
    gen-man3.py HEADER OUTDIR --check

- tessera(3): the overview (the header's opening comment: conventions,
  thread safety, memory, secrets), the status codes, and every section page.
- One page per header section, named after its main function
  (tessera_jwt_sign(3), tessera_policy_new(3), ...): the section's
  declarations and comments, in the header's order. Every other function of
  the section is a symbolic link to that page, so `man tessera_jwt_issue`
  opens it.

The comments are reproduced as written (no-fill): the header's layout of
lists and tables is kept. --check exits 1 unless every function the header
declares has a page in OUTDIR that names it.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tessera_header  # noqa: E402


def page_name(section):
    """The section's main function: the first that is not a constant's
    accessor (_min, _max, _len)."""
    for f in section.functions:
        if not re.search(r"_(min|max|len)$", f):
            return f
    return section.functions[0]


def roff(text):
    """Text for a no-fill block: backslashes escaped, control characters at
    the start of a line neutralised."""
    out = []
    for line in text.split("\n"):
        line = line.replace("\\", "\\e")
        if line.startswith((".", "'")):
            line = "\\&" + line
        out.append(line)
    return "\n".join(out)


def header(title, section, date, version, description):
    return (f'.\\" Generated from include/tessera.h by scripts/gen-man3.py; edit the header, not this file.\n'
            f'.TH {title.upper()} {section} "{date}" "Tessera {version}" "Tessera Manual"\n'
            f".SH NAME\n{description}\n")


def block(text):
    return f".PP\n.nf\n{roff(text)}\n.fi\n"


def code(text):
    return f".PP\n.RS 4\n.nf\n\\fB{roff(text)}\\fP\n.fi\n.RE\n"


def body(sec):
    """A section's introduction, then its comments and declarations in order."""
    s = block(sec.intro) if sec.intro else ""
    for kind, text in sec.items:
        s += block(text) if kind == "comment" else code(text)
    return s


def section_page(sec, others, date, version):
    name = page_name(sec)
    names = ", ".join(n.replace("_", "_") for n in sec.functions)
    s = header(name, 3, date, version, f"{names} \\- {roff(sec.title)}")
    s += ".SH SYNOPSIS\n.nf\n.B #include <tessera.h>\n.PP\n"
    s += "\n".join(roff(sec.prototypes[f]) for f in sec.functions) + "\n.fi\n"
    s += ".PP\nLink with \\fBpkg\\-config \\-\\-libs tessera\\fP.\n"
    s += f".SH DESCRIPTION\nThe section \\(lq{roff(sec.title)}\\(rq of \\fItessera.h\\fP, as the header states it.\n"
    s += body(sec)
    s += ".SH SEE ALSO\n.BR tessera (3)"
    for other in others:
        if other != name:
            s += f",\n.BR {other} (3)"
    return s + "\n"


def overview_page(overview, sections, date, version):
    s = header("tessera", 3, date, version,
               "tessera \\- credentials and JSON Web Tokens for real-time communication auth servers")
    s += (".SH SYNOPSIS\n.nf\n.B #include <tessera.h>\n.fi\n.PP\n"
          "Link with \\fBpkg\\-config \\-\\-libs tessera\\fP (shared) or "
          "\\fBpkg\\-config \\-\\-static \\-\\-libs tessera\\fP (static), or in CMake with "
          f"\\fBfind_package(Tessera {'.'.join(version.split('.')[:2])} REQUIRED)\\fP and the target \\fBTessera::tessera\\fP "
          "(\\fBTessera::tessera_static\\fP for the archive).\n")
    s += ".SH DESCRIPTION\nThe opening comment of \\fItessera.h\\fP: conventions, thread safety, memory and secrets.\n"
    s += block(overview)
    status = next((x for x in sections if x.title.startswith("Status codes")), None)
    if status is not None:
        s += ".SH STATUS CODES\n" + body(status)
    s += ".SH SECTIONS\nEach section of the header has its page; every function named here opens it.\n"
    for sec in sections:
        s += f".TP\n.BR {page_name(sec)} (3)\n{roff(sec.title)}: {', '.join(sec.functions)}\n"
    s += ".SH SEE ALSO\n" + ",\n".join(f".BR {page_name(x)} (3)" for x in sections)
    s += ",\n.BR tessera (1)\n"
    return s


def write(outdir, overview, sections, date, version):
    os.makedirs(outdir, exist_ok=True)
    pages = [page_name(x) for x in sections]
    with open(os.path.join(outdir, "tessera.3"), "w") as f:
        f.write(overview_page(overview, sections, date, version))
    for sec in sections:
        name = page_name(sec)
        with open(os.path.join(outdir, name + ".3"), "w") as f:
            f.write(section_page(sec, pages, date, version))
        for fn in sec.functions:
            if fn != name:
                link = os.path.join(outdir, fn + ".3")
                if os.path.lexists(link):
                    os.remove(link)
                os.symlink(name + ".3", link)


def check(outdir, sections):
    """Every declared function has a page in outdir whose NAME lists it."""
    missing = []
    for sec in sections:
        for fn in sec.functions:
            path = os.path.join(outdir, fn + ".3")
            try:
                text = open(path).read()
            except OSError:
                missing.append(f"{fn}: no {path}")
                continue
            name_line = text.split(".SH NAME\n", 1)[-1].split("\n", 1)[0]
            if fn not in [n.strip() for n in name_line.split("\\-")[0].split(",")]:
                missing.append(f"{fn}: {path} does not name it")
    if not os.path.exists(os.path.join(outdir, "tessera.3")):
        missing.append("tessera(3): no overview page")
    return missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("header")
    ap.add_argument("outdir")
    ap.add_argument("--date", default="2026-12-02")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    overview, sections = tessera_header.parse(args.header)
    if args.check:
        missing = check(args.outdir, sections)
        for m in missing:
            print(f"gen-man3: {m}", file=sys.stderr)
        count = sum(len(x.functions) for x in sections)
        if missing:
            return 1
        print(f"every one of the {count} functions in {args.header} has a page in {args.outdir}")
        return 0
    version = re.search(r'#define TESSERA_VERSION_STRING "([^"]+)"', open(args.header).read()).group(1)
    write(args.outdir, overview, sections, args.date, version)
    print(f"wrote tessera.3 and {len(sections)} section pages with their links into {args.outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
