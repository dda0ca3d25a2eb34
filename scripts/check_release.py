#!/usr/bin/env python3
"""scripts/check_release.py — the release's version is the same everywhere
(called by `make dist` before it makes the PGXN archive, and by the test
suite).

Usage: check_release.py EXTVERSION "PG_SUPPORTED"   (both from the Makefile)

Checks, printing one line per problem and exiting 1 if there is any:
  META.json    a PGXN meta spec 1.0.0 document: the required keys (name,
               abstract, version, maintainer, license, provides, meta-spec),
               semantic versions, version and provides.pgdl.version equal to
               EXTVERSION, prereqs.runtime.requires.PostgreSQL the range
               ">= <lowest>.0.0, < <highest + 1>.0.0" of PG_SUPPORTED
  pgdl.control default_version = EXTVERSION
  src/upgrade/ a step pgdl--<earlier>--EXTVERSION.sql, unless no earlier
               release's install script is there
  debian/      the newest debian/changelog entry is EXTVERSION-<revision>,
               debian/pgversions starts at the lowest supported major
"""
import json
import os
import re
import sys

SEMVER = re.compile(r"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")
LICENSES = {
    "agpl_3", "apache_1_1", "apache_2_0", "artistic_1", "artistic_2", "bsd", "freebsd", "gfdl_1_2",
    "gfdl_1_3", "gpl_1", "gpl_2", "gpl_3", "lgpl_2_1", "lgpl_3_0", "mit", "mozilla_1_0", "mozilla_1_1",
    "openssl", "perl_5", "postgresql", "qpl_1_0", "ssleay", "sun", "zlib", "open_source", "restricted",
    "unrestricted", "unknown",
}


def main():
    if len(sys.argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    version, supported = sys.argv[1], [int(v) for v in sys.argv[2].split()]
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    problems = []

    def read(path):
        with open(os.path.join(root, path), encoding="utf-8") as f:
            return f.read()

    try:
        meta = json.loads(read("META.json"))
    except (OSError, ValueError) as e:
        problems.append("META.json: %s" % e)
        meta = None
    if meta is not None:
        for key in ("name", "abstract", "version", "maintainer", "license", "provides", "meta-spec"):
            if key not in meta:
                problems.append("META.json: the required key %r is missing" % key)
        if meta.get("meta-spec", {}).get("version") != "1.0.0":
            problems.append("META.json: meta-spec.version is not 1.0.0")
        if meta.get("version") != version:
            problems.append("META.json: version %r is not the Makefile's EXTVERSION %r" % (meta.get("version"), version))
        lic = meta.get("license")
        for name in ([lic] if isinstance(lic, str) else list(lic or [])):
            if name not in LICENSES:
                problems.append("META.json: license %r is not one of the spec's names" % name)
        if not meta.get("maintainer"):
            problems.append("META.json: no maintainer")
        for name, p in (meta.get("provides") or {}).items():
            if not SEMVER.match(p.get("version", "")):
                problems.append("META.json: provides.%s.version %r is not a semantic version" % (name, p.get("version")))
            if "file" in p and not os.path.exists(os.path.join(root, p["file"])):
                problems.append("META.json: provides.%s.file %s does not exist" % (name, p["file"]))
        if (meta.get("provides") or {}).get("pgdl", {}).get("version") != version:
            problems.append("META.json: provides.pgdl.version is not %s" % version)
        want = ">= %d.0.0, < %d.0.0" % (min(supported), max(supported) + 1)
        got = meta.get("prereqs", {}).get("runtime", {}).get("requires", {}).get("PostgreSQL")
        if got != want:
            problems.append("META.json: prereqs.runtime.requires.PostgreSQL is %r, not %r (PG_SUPPORTED)" % (got, want))

    control = read("pgdl.control")
    m = re.search(r"^default_version\s*=\s*'([^']*)'", control, re.M)
    if not m or m.group(1) != version:
        problems.append("pgdl.control: default_version is not %s" % version)

    upgrade = os.listdir(os.path.join(root, "src/upgrade"))
    olds = [f for f in upgrade if re.fullmatch(r"pgdl--[^-]+(-[^-]+)*\.sql", f) and f.count("--") == 1]
    if olds and not any(f.endswith("--%s.sql" % version) and f.count("--") == 2 for f in upgrade):
        problems.append("src/upgrade: no step pgdl--<earlier>--%s.sql" % version)

    first = read("debian/changelog").split("\n", 1)[0]
    m = re.match(r"^pgdl \(([^)-]+)-[^)]+\)", first)
    if not m or m.group(1) != version:
        problems.append("debian/changelog: the newest entry is not %s-<revision>: %s" % (version, first))
    pgversions = read("debian/pgversions").split()
    if pgversions != ["%d+" % min(supported)]:
        problems.append("debian/pgversions is %r, not %d+" % (" ".join(pgversions), min(supported)))

    for p in problems:
        print("check_release: " + p)
    if not problems:
        print("check_release: version %s everywhere (META.json, pgdl.control, src/upgrade, debian)" % version)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
