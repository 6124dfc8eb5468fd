#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Writes src/format/unicode_tables.h, the Unicode data src/format/paths.c folds names with.

The header is checked in so that building qasid needs neither Python nor the
Unicode data files; run this only to move to a new Unicode version:

    python3 tools/gen-unicode-tables.py [-o src/format/unicode_tables.h] [UCD-DIR]

UCD-DIR defaults to /usr/share/unicode (Debian package unicode-data) and must
hold UnicodeData.txt, CaseFolding.txt, DerivedCoreProperties.txt and
DerivedNormalizationProps.txt.  Besides the tables the script
checks the properties src/format/paths.c relies on and fails loudly if a future
Unicode version breaks one of them.
"""

import argparse
import math
import os
import re
import sys

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3


def require(ok, what):
    """Like assert, but not skipped under python -O."""
    if not ok:
        sys.exit("gen-unicode-tables.py: %s" % what)


def read_unicode_data(path):
    """Returns ({cp: ccc != 0}, {cp: canonical decomposition})."""
    ccc, decomp = {}, {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            field = line.split(";")
            cp = int(field[0], 16)
            if int(field[3]):
                ccc[cp] = int(field[3])
            # Tagged mappings ("<compat>", "<font>", ...) are compatibility
            # decompositions: file systems do not fold them.
            if field[5] and not field[5].startswith("<"):
                decomp[cp] = [int(x, 16) for x in field[5].split()]
    return ccc, decomp


def read_case_folding(path):
    """Returns (version, {cp: folded cp} for statuses C and S,
    {cp: [folded cps]} for status F)."""
    fold, full, version = {}, {}, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"# CaseFolding-(\d+\.\d+\.\d+)\.txt", line)
            if m:
                version = m.group(1)
            line = line.split("#")[0].strip()
            if not line:
                continue
            code, status, mapping = [x.strip() for x in line.split(";")[:3]]
            to = [int(x, 16) for x in mapping.split()]
            if status == "F":
                full[int(code, 16)] = to
            if status not in ("C", "S"):
                continue
            require(len(to) == 1, "C and S foldings map to one code point")
            fold[int(code, 16)] = to[0]
    require(version, "CaseFolding.txt has no version line")
    return version, fold, full


def read_property(path, name):
    """Returns the sorted [lo, hi] runs of code points with property name."""
    cps = set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            field = [x.strip() for x in line.split(";")]
            if field[1] != name:
                continue
            lo, _, hi = field[0].partition("..")
            cps.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    runs = []
    for cp in sorted(cps):
        if runs and runs[-1][1] == cp - 1:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp])
    require(runs, "no code point has property " + name)
    return runs


def compositions(decomp, exclusions):
    """Primary composites (UAX #15): (first, second, composite), sorted."""
    excluded = set()
    for lo, hi in exclusions:
        excluded.update(range(lo, hi + 1))
    pairs = sorted((d[0], d[1], cp) for cp, d in decomp.items()
                   if len(d) == 2 and cp not in excluded)
    require(all(p[1] < 1 << 21 and p[0] < 1 << 21 for p in pairs),
            "composition pairs fit 21 bits each")
    return pairs


def full_decomposition(cp, decomp):
    if cp not in decomp:
        return [cp]
    out = []
    for c in decomp[cp]:
        out += full_decomposition(c, decomp)
    return out


def utf8_len(cp):
    return 1 if cp < 0x80 else 2 if cp < 0x800 else 3 if cp < 0x10000 else 4


def ccc_ranges(ccc):
    runs = []
    for cp in sorted(ccc):
        if runs and runs[-1][1] == cp - 1 and runs[-1][2] == ccc[cp]:
            runs[-1][1] = cp
        else:
            runs.append([cp, cp, ccc[cp]])
    return runs


def fold_ranges(fold):
    """Groups foldings into (first, last, stride, delta) runs: most scripts
    alternate upper/lower case (stride 2) or keep the cases in two blocks
    (stride 1), so a few hundred runs cover all of them."""
    runs = []
    for cp in sorted(fold):
        delta = fold[cp] - cp
        if runs:
            r = runs[-1]
            step = cp - r[1]
            if r[3] == delta and step in (1, 2) and \
                (r[0] == r[1] or step == r[2]):
                r[1], r[2] = cp, step
                continue
        runs.append([cp, cp, 1, delta])
    return runs


def check_invariants(ccc, full, fold, ffold):
    """Asserts what paths.c assumes instead of handling in code."""
    def nfd(cp):
        return full.get(cp, [cp])
    def folded(cp):
        return sum((nfd(c) for c in ffold[cp]), []) if cp in ffold \
            else nfd(fold[cp])
    # Only code points that survive decomposition reach the case folding.
    expand = [len(folded(cp)) for cp in set(fold) | set(ffold)
              if cp not in full]
    for cp in set(fold) | set(ffold):
        # A starter must fold to something that starts with a starter, so
        # that runs of combining marks never cross paths.c's segments.
        if cp not in ccc:
            require(folded(cp)[0] not in ccc,
                    "U+%04X folds to a leading combining mark" % cp)
    require(max(len(t) for t in ffold.values()) <= 3,
            "full foldings map to at most three code points")
    per_byte = max(len(d) / utf8_len(cp) for cp, d in full.items())
    per_byte = max(per_byte, 3 / 3)  # Hangul: 3 jamo from 3 bytes
    return {
        "UT_DECOMP_MAX": max(3, max(len(d) for d in full.values())),
        "UT_NFD_CPS_PER_BYTE": math.ceil(per_byte),
        "UT_FOLD_CPS_MAX": max(expand),
    }


def emit_array(out, decl, items, per_line):
    out.append("%s = {" % decl)
    for i in range(0, len(items), per_line):
        out.append("\t" + " ".join(items[i:i + per_line]))
    out.append("};")
    out.append("")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("ucd", nargs="?", default="/usr/share/unicode",
                    help="directory holding UnicodeData.txt, CaseFolding.txt")
    ap.add_argument("-o", "--output", help="header to write, '-' for stdout",
                    default=os.path.join(here, "..", "src", "format",
                                         "unicode_tables.h"))
    args = ap.parse_args()
    ucd = args.ucd
    ccc, decomp = read_unicode_data(os.path.join(ucd, "UnicodeData.txt"))
    version, fold, ffold = read_case_folding(
        os.path.join(ucd, "CaseFolding.txt"))
    full = {cp: full_decomposition(cp, decomp) for cp in decomp}
    require(not any(HANGUL_FIRST <= cp <= HANGUL_LAST for cp in full),
            "Hangul syllables are decomposed in code, not tabled")
    limits = check_invariants(ccc, full, fold, ffold)
    ignorable = read_property(os.path.join(ucd, "DerivedCoreProperties.txt"),
                              "Default_Ignorable_Code_Point")
    comp = compositions(decomp, read_property(
        os.path.join(ucd, "DerivedNormalizationProps.txt"),
        "Full_Composition_Exclusion"))

    out = [
        "/*",
        " * unicode_tables.h - Unicode %s data for folding names in paths.c." %
        version,
        " *",
        " * Generated by tools/gen-unicode-tables.py from Unicode %s" % version,
        " * UnicodeData.txt, CaseFolding.txt, DerivedCoreProperties.txt and",
        " * DerivedNormalizationProps.txt.  Do not edit.",
        " */",
        "#ifndef QASID_UNICODE_TABLES_H",
        "#define QASID_UNICODE_TABLES_H",
        "",
        "#include <stdint.h>",
        "",
        "#define UT_UNICODE_VERSION \"%s\"" % version,
        "/* Longest full canonical decomposition, in code points. */",
        "#define UT_DECOMP_MAX %d" % limits["UT_DECOMP_MAX"],
        "/* Code points of a full decomposition per UTF-8 byte of its source,",
        " * rounded up. */",
        "#define UT_NFD_CPS_PER_BYTE %d" % limits["UT_NFD_CPS_PER_BYTE"],
        "/* Longest full decomposition of a case-folded code point (full",
        " * folding). */",
        "#define UT_FOLD_CPS_MAX %d" % limits["UT_FOLD_CPS_MAX"],
        "",
        "/* Runs of code points sharing a non-zero canonical combining class. */",
        "struct ut_ccc {",
        "\tuint32_t lo, hi;",
        "\tuint8_t ccc;",
        "};",
        "",
    ]
    runs = ccc_ranges(ccc)
    emit_array(out, "static const struct ut_ccc ut_ccc[%d]" % len(runs),
        ["{0x%x, 0x%x, %d}," % tuple(r) for r in runs], 4)

    out += [
        "/* Full canonical decompositions (Hangul syllables excepted): code",
        " * point cp maps to ut_decomp_pool[off .. off + len). */",
        "struct ut_decomp {",
        "\tuint32_t cp;",
        "\tuint16_t off;",
        "\tuint8_t len;",
        "};",
        "",
    ]
    entries, pool = [], []
    for cp in sorted(full):
        entries.append("{0x%x, %d, %d}," % (cp, len(pool), len(full[cp])))
        pool += full[cp]
    require(len(pool) < 65536, "decomposition pool fits uint16_t offsets")
    emit_array(out, "static const struct ut_decomp ut_decomp[%d]" %
        len(entries), entries, 4)
    emit_array(out, "static const uint32_t ut_decomp_pool[%d]" % len(pool),
        ["0x%x," % cp for cp in pool], 8)

    out += [
        "/* Simple and common case foldings (statuses C and S): every stride-th",
        " * code point from lo to hi folds to itself plus delta. */",
        "struct ut_fold {",
        "\tuint32_t lo, hi;",
        "\tuint8_t stride;",
        "\tint32_t delta;",
        "};",
        "",
    ]
    runs = fold_ranges(fold)
    emit_array(out, "static const struct ut_fold ut_fold[%d]" % len(runs),
        ["{0x%x, 0x%x, %d, %d}," % tuple(r) for r in runs], 3)
    out += [
        "/* Full case foldings (status F), which take the place of a code",
        " * point's simple one: cp folds to to[0, len). */",
        "struct ut_fold_full {",
        "\tuint32_t cp, to[3];",
        "\tuint8_t len;",
        "};",
        "",
    ]
    emit_array(out, "static const struct ut_fold_full ut_fold_full[%d]" %
        len(ffold), ["{0x%x, {%s}, %d}," % (cp, ", ".join(
            "0x%x" % c for c in (ffold[cp] + [0, 0])[:3]), len(ffold[cp]))
            for cp in sorted(ffold)], 2)
    out += [
        "/* Default_Ignorable_Code_Point runs (DerivedCoreProperties.txt). */",
        "struct ut_range {",
        "\tuint32_t lo, hi;",
        "};",
        "",
    ]
    emit_array(out, "static const struct ut_range ut_ignorable[%d]" %
        len(ignorable), ["{0x%x, 0x%x}," % tuple(r) for r in ignorable], 4)
    out += [
        "/* Canonical compositions of two code points into a primary",
        " * composite (Hangul syllables excepted), sorted by (first, second).",
        " */",
        "struct ut_comp {",
        "\tuint32_t first, second, to;",
        "};",
        "",
    ]
    emit_array(out, "static const struct ut_comp ut_comp[%d]" % len(comp),
        ["{0x%x, 0x%x, 0x%x}," % p for p in comp], 3)
    out.append("#endif")
    text = "\n".join(out) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="ascii") as f:
            f.write(text)


if __name__ == "__main__":
    main()
