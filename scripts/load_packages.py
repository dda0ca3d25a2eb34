"""scripts/load_packages.py: the package descriptions of this machine's apt
lists as real text for pgdl (the text part of `make demo`, bench/text).

    load_packages.py            prints COPY text: name, section, description
                                (one row per package name, sorted by name)
    load_packages.py --count    prints how many packages the lists hold

Reads /var/lib/apt/lists/*_Packages* (plain, or compressed as apt keeps
them: decompressed by apt's own `apt-helper cat-file`, so no lz4 or xz tool
is needed).  Each description is the package's one-line summary, labelled
by the package's Section (libs, python, perl, doc, ...).  The lists exist
after `apt-get update`; with none, it prints nothing and exits 3.
Standard library only.
"""
import glob
import subprocess
import sys

LISTS = "/var/lib/apt/lists/*_Packages*"
APT_HELPER = "/usr/lib/apt/apt-helper"


def read_list(path):
    """The bytes of one list, decompressed."""
    if path.endswith("_Packages"):
        with open(path, "rb") as f:
            return f.read()
    return subprocess.run([APT_HELPER, "cat-file", path], capture_output=True, check=True).stdout


def packages():
    """{name: (section, description)} of every package in the apt lists."""
    seen = {}
    for path in sorted(glob.glob(LISTS)):
        if path.endswith((".diff", ".IndexDiff")) or "/partial/" in path:
            continue
        data = read_list(path)
        for stanza in data.decode("utf-8", "replace").split("\n\n"):
            fields, last = {}, None
            for line in stanza.split("\n"):
                if line.startswith((" ", "\t")) and last:
                    fields[last] += "\n" + line.strip()
                elif ":" in line:
                    last, _, value = line.partition(":")
                    fields[last] = value.strip()
            if "Package" in fields and "Description" in fields:
                seen[fields["Package"]] = (fields.get("Section", ""), fields["Description"])
    return seen


def esc(s):
    """A value in COPY's text format."""
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def main(argv):
    pk = packages()
    if not pk:
        print("load_packages.py: no package lists in /var/lib/apt/lists (run apt-get update)", file=sys.stderr)
        return 3
    if argv[1:] == ["--count"]:
        print(len(pk))
        return 0
    if argv[1:]:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.stdout
    for name, (section, desc) in sorted(pk.items()):
        out.write(f"{esc(name)}\t{esc(section)}\t{esc(desc)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
