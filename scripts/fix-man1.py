#!/usr/bin/env python3
"""Makes the section 1 pages of swift-argument-parser's generate-manual
indexable: it names a subcommand's page `.Nm "tessera sign"` (the command as
typed), which man-db's lexgrog cannot read, so whatis and apropos would miss
the page (lintian: bad-whatis-entry). The NAME section gets the page's own
name (tessera.sign); the SYNOPSIS keeps the command as typed.

    fix-man1.py PAGE...
"""
import re
import sys

for path in sys.argv[1:]:
    text = open(path).read()
    m = re.search(r'^\.Nm "([^"]+)"$', text, re.M)
    if m is None:
        continue
    typed = m.group(1)
    name, synopsis = text.split(".Sh SYNOPSIS\n", 1)
    name = name.replace(m.group(0), ".Nm " + typed.replace(" ", "."), 1)
    synopsis = re.sub(r"^\.Nm$", f'.Nm "{typed}"', synopsis, flags=re.M)
    with open(path, "w") as f:
        f.write(name + ".Sh SYNOPSIS\n" + synopsis)
