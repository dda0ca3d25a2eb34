"""bench/text.py: the two halves of bench/text (see there).

`load` prints the package descriptions of the apt lists as COPY text
(name, section, description; one row per package name); `run` measures,
connecting with the PG* environment bench/text sets up.
"""
import os
import platform
import sys

import benchlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import load_packages  # noqa: E402  (scripts/load_packages.py: the same rows as make demo)

RUNS = int(os.environ.get("RUNS", "3"))


def packages():
    """(name, section, description) of every package in the apt lists."""
    return load_packages.packages()


def load():
    sys.exit(load_packages.main(["load_packages.py"]))


def run():
    import psycopg2
    import sklearn
    from sklearn.feature_extraction.text import CountVectorizer

    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    print(benchlib.machine(cur))
    print(f"python {platform.python_version()}, scikit-learn {sklearn.__version__}, best of {RUNS}")
    cur.execute("SELECT count(*), sum(octet_length(description)) FROM packages")
    n, nbytes = cur.fetchone()
    print(f"corpus: {n} package descriptions of the apt lists, {nbytes / 1e6:.1f} MB")

    def pgdl(workers):
        cur.execute(f"SET max_parallel_workers_per_gather = {workers}")
        cur.execute("SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0")
        cur.execute("SELECT pgdl.vocabulary_size(pgdl.vocabulary(description)) - 2 FROM packages")
        return cur.fetchone()[0]

    def export():
        cur.execute("SELECT description FROM packages")
        return [r[0] for r in cur.fetchall()]

    def sk_fit(docs):
        return len(CountVectorizer().fit(docs).vocabulary_)

    t_serial, size = best(lambda: pgdl(0))
    t_par, size_par = best(lambda: pgdl(2))
    t_export, docs = best(export)
    t_fit, sk_size = best(lambda: sk_fit(docs))
    t_both, _ = best(lambda: sk_fit(export()))
    print()
    print("| what | seconds | tokens in the vocabulary |")
    print("|---|---:|---:|")
    print(f"| pgdl.vocabulary, serial | {t_serial:.3f} | {size} |")
    print(f"| pgdl.vocabulary, 2 parallel workers | {t_par:.3f} | {size_par} |")
    print(f"| export (psycopg2, a list of str) | {t_export:.3f} | |")
    print(f"| CountVectorizer().fit | {t_fit:.3f} | {sk_size} |")
    print(f"| export + CountVectorizer().fit | {t_both:.3f} | |")
    print()
    print(f"ratio (export + fit) / pgdl.vocabulary serial: {t_both / t_serial:.2f}x (target > 1)")
    print(f"ratio fit alone / pgdl.vocabulary serial: {t_fit / t_serial:.2f}x")
    print("(the tokenizers differ: scikit-learn's default keeps words of two or more "
          "characters, pgdl's keeps single characters, CJK bigrams and symbols)")


def best(fn):
    return benchlib.best(fn, RUNS)


if __name__ == "__main__":
    {"load": load, "run": run}[sys.argv[1]]()
