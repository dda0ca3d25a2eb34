"""bench/text_classify.py: text classification side by side, the second half
of bench/text (see there for the method).

    text_classify.py load-en     COPY rows (id, label, doc) of the English corpus
    text_classify.py load-zh     COPY rows (id, label, doc) of the Chinese corpus
    text_classify.py run         measures everything, prints the report

English: the short descriptions of the apt lists' packages, labelled by
Section, the SECTIONS most frequent sections, identical descriptions kept
once (and left out when they come with two sections).  Chinese: the fortunes
of Debian's fortunes-zh, labelled by the collection they come from (the
sources named in the `chinese` file with at least 50 fortunes, and the
tang300 and song100 poems), the attribution, title and author lines and the
terminal colours removed.  `run` connects with the PG* environment bench/text
sets up, after the tables en and zh are loaded.  Progress goes to stderr, the
report to stdout.
"""
import collections
import json
import os
import re
import subprocess
import sys
import time

import benchlib
import text

# the Chinese corpus is small (1,870 training rows): more epochs over it
EPOCHS = {"en": int(os.environ.get("EPOCHS_EN", "5")), "zh": int(os.environ.get("EPOCHS_ZH", "20"))}
SECTIONS = int(os.environ.get("SECTIONS", "8"))
EN_ROWS = int(os.environ.get("EN_ROWS", "0"))       # 0: every row
SEED = 42
BATCH = 64
LR = 0.005
DIM = 64            # embedding width
UNITS = 64          # LSTM units
VOCAB = {"min_count": 2, "max_size": 20000}
MAX_LENGTH = {"en": 16, "zh": 96}     # en: the longest description has about 16 tokens
FORTUNES = "/usr/share/games/fortunes"
T0 = time.perf_counter()


def say(msg):
    print(f"[text {time.perf_counter() - T0:6.1f}s] {msg}", file=sys.stderr, flush=True)


def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def english():
    """(label, doc) pairs: package descriptions of the most frequent sections."""
    by_desc = collections.defaultdict(set)
    for _name, (section, desc) in sorted(text.packages().items()):
        by_desc[desc].add(section)
    counts = collections.Counter(s for secs in by_desc.values() if len(secs) == 1 for s in secs)
    keep = {s for s, _ in counts.most_common(SECTIONS)}
    return [(next(iter(secs)), d) for d, secs in sorted(by_desc.items())
            if len(secs) == 1 and next(iter(secs)) in keep]


ANSI = re.compile(r"\x1b\[[0-9;]*m")
ATTRIBUTION = re.compile(r"^\s*--.*《([^》]+)》\s*$")


def chinese():
    """(label, doc) pairs: fortunes of fortunes-zh, labelled by collection."""
    def fortunes(name):
        path = os.path.join(FORTUNES, name)
        if not os.path.exists(path):
            sys.exit(f"bench/text: {path} is missing (apt-get install fortunes-zh)")
        with open(path, "rb") as f:
            return [ANSI.sub("", x) for x in f.read().decode("utf-8", "replace").split("\n%\n")]

    rows = []
    for f in fortunes("chinese"):
        lines = f.strip("\n%").split("\n")
        m = ATTRIBUTION.match(lines[-1]) if lines else None
        if m:
            rows.append((m.group(1), "\n".join(lines[:-1]).strip()))
    for coll in ("tang300", "song100"):
        for f in fortunes(coll):
            # the title and the author come first: the poem is the rest
            lines = [ln for ln in f.strip("\n%").split("\n")
                     if ln.strip() and not re.match(r"^\s*(题目|作者|《)", ln)]
            rows.append((coll, "\n".join(lines).strip()))
    counts = collections.Counter(label for label, _ in rows)
    keep = {label for label, n in counts.items() if n >= 50}
    by_doc = collections.defaultdict(set)
    for label, doc in rows:
        if label in keep and doc:
            by_doc[doc].add(label)
    return [(next(iter(ls)), d) for d, ls in sorted(by_doc.items()) if len(ls) == 1]


def load(rows):
    out = sys.stdout
    for i, (label, doc) in enumerate(rows, 1):
        out.write(f"{i}\t{esc(label)}\t{esc(doc)}\n")


# --- the baselines ----------------------------------------------------------------


def sklearn_tfidf(corpus, train, test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    # scikit-learn's default token pattern makes a Chinese sentence one
    # token: there, character unigrams and bigrams (what pgdl's tokenizer does)
    vec = (TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2) if corpus == "zh"
           else TfidfVectorizer(min_df=2))
    t0 = time.perf_counter()
    X = vec.fit_transform([d for _, d, _ in train])
    t_vec = time.perf_counter() - t0
    t0 = time.perf_counter()
    clf = LogisticRegression(max_iter=1000).fit(X, [lab for lab, _, _ in train])
    t_fit = time.perf_counter() - t0
    acc = clf.score(vec.transform([d for _, d, _ in test]), [lab for lab, _, _ in test])
    return {"accuracy": acc, "prep_seconds": t_vec, "train_seconds": t_fit, "epoch_seconds": None,
            "note": f"{X.shape[1]} features, lbfgs {int(clf.n_iter_.max())} iterations"}


def torch_models(torch, vocab_size, classes):
    nn = torch.nn

    class Bag(nn.Module):
        """EmbeddingBag (mean over the real tokens), then a linear layer."""

        def __init__(self):
            super().__init__()
            self.emb = nn.EmbeddingBag(vocab_size, DIM, mode="mean", padding_idx=0)
            self.out = nn.Linear(DIM, classes)

        def forward(self, x):
            return self.out(self.emb(x))

    class Lstm(nn.Module):
        """Embedding, LSTM over the real tokens (packed), its last state, linear."""

        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(vocab_size, DIM, padding_idx=0)
            self.lstm = nn.LSTM(DIM, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, classes)

        def forward(self, x):
            lengths = (x != 0).sum(1).clamp(min=1)
            packed = nn.utils.rnn.pack_padded_sequence(self.emb(x), lengths, batch_first=True,
                                                       enforce_sorted=False)
            _, (h, _) = self.lstm(packed)
            return self.out(h[-1])

    return {"bag": Bag, "lstm": Lstm}


def torch_train(torch, model, X, y, Xt, yt, epochs):
    torch.manual_seed(SEED)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    lossf = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(SEED)
    seconds = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(X.shape[0], generator=g)
        for i in range(0, X.shape[0], BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = lossf(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(Xt[i:i + 1024]).argmax(1) for i in range(0, Xt.shape[0], 1024)])
    return {"accuracy": float(pred.eq(yt).double().mean()), "epoch_seconds": seconds,
            "train_seconds": sum(seconds)}


# --- pgdl -------------------------------------------------------------------------


def timed(cur, sql, args=None):
    t0 = time.perf_counter()
    cur.execute(sql, args)
    return time.perf_counter() - t0


def pgdl_prepare(cur, corpus):
    """The split, the vocabulary of the training split and the id arrays, in
    SQL; returns the seconds of each step."""
    L = MAX_LENGTH[corpus]
    cur.execute(f"DROP TABLE IF EXISTS {corpus}_part, {corpus}_vocab, {corpus}_train, {corpus}_test")
    t_split = timed(cur, f"CREATE TABLE {corpus}_part AS SELECT key::int AS id, part"
                         f" FROM pgdl.split('{corpus}', '{{0.8,0.2}}', {SEED}, 'id')")
    t_vocab = timed(cur, f"CREATE TABLE {corpus}_vocab AS SELECT pgdl.vocabulary(doc, %s) AS v"
                         f" FROM {corpus} JOIN {corpus}_part USING (id) WHERE part = 0", (json.dumps(VOCAB),))
    t_tok = 0.0
    for name, part in (("train", 0), ("test", 1)):
        t_tok += timed(cur, f"CREATE TABLE {corpus}_{name} AS SELECT id, label, doc,"
                            f" pgdl.tokenize(v, doc, {L}) AS ids"
                            f" FROM {corpus} JOIN {corpus}_part USING (id), {corpus}_vocab WHERE part = {part}")
        cur.execute(f"ANALYZE {corpus}_{name}")
    cur.execute(f"SELECT pgdl.vocabulary_size(v) FROM {corpus}_vocab")
    return {"split": t_split, "vocabulary": t_vocab, "tokenize": t_tok, "vocabulary_size": cur.fetchone()[0]}


def pgdl_train(cur, corpus, model, layers, features, extra=None):
    opts = {"epochs": EPOCHS[corpus], "batch_size": BATCH, "learning_rate": LR, "optimizer": "adam",
            "validation_fraction": 0, "seed": SEED}
    opts.update(extra or {})
    t0 = time.perf_counter()
    cur.execute("SELECT version, seconds FROM pgdl.train_model(%s, %s, 'label', %s, %s, %s)",
                (model, f"SELECT label, {features} FROM {corpus}_train", json.dumps(layers),
                 [features], json.dumps(opts)))
    version, _ = cur.fetchone()
    wall = time.perf_counter() - t0
    cur.execute("SELECT seconds FROM pgdl.training_history WHERE name = %s AND version = %s ORDER BY epoch",
                (model, version))
    seconds = [float(r[0]) for r in cur.fetchall()]
    cur.execute(f"SELECT value FROM pgdl.evaluate(%s, '{corpus}_test', 'label') WHERE metric = 'accuracy'",
                (model,))
    return {"accuracy": float(cur.fetchone()[0]), "epoch_seconds": seconds, "train_seconds": wall}


def accepts(cur, what, layers, text_option):
    """Whether this pgdl's train_model trains a two-row toy corpus with the
    option text given (README: Text columns); cur is in autocommit mode, so
    a refusal leaves nothing behind."""
    try:
        cur.execute("SELECT pgdl.train_model('text_probe', 'SELECT * FROM (VALUES (''a b'', ''x''),"
                    " (''c d'', ''y'')) s(doc, label)', 'label', %s, ARRAY['doc'], %s)",
                    (json.dumps(layers), json.dumps({"epochs": 1, "validation_fraction": 0,
                                                     "text": {"doc": text_option}})))
        return True
    except Exception as e:    # noqa: BLE001 - any refusal means: not there
        say(f"pgdl: no {what} here ({str(e).strip().splitlines()[0]})")
        return False


def run_corpus(cur, torch, corpus, text_opt, tfidf):
    res = {"models": []}
    prep = pgdl_prepare(cur, corpus)
    res["prep"] = prep
    V = prep["vocabulary_size"]
    L = MAX_LENGTH[corpus]
    cur.execute(f"SELECT label, doc, ids FROM {corpus}_train ORDER BY id")
    train = cur.fetchall()
    cur.execute(f"SELECT label, doc, ids FROM {corpus}_test ORDER BY id")
    test = cur.fetchall()
    labels = sorted({lab for lab, _, _ in train})
    res.update(rows_train=len(train), rows_test=len(test), classes=len(labels))
    cur.execute(f"SELECT count(*) FILTER (WHERE ids[{L}] <> 0), avg(array_position(ids, 0)) FROM {corpus}_train")
    res["cut"], _ = cur.fetchone()
    say(f"{corpus}: {len(train)} training rows, {len(test)} test rows, {len(labels)} classes, "
        f"vocabulary {V}; vocabulary {prep['vocabulary']:.2f} s, tokenize {prep['tokenize']:.2f} s")
    majority = collections.Counter(lab for lab, _, _ in test).most_common(1)[0][1] / len(test)
    res["majority"] = majority

    def add(side, name, r):
        r.update(side=side, model=name)
        res["models"].append(r)
        eps = r.get("epoch_seconds")
        say(f"{corpus}: {side} {name}: accuracy {100 * r['accuracy']:.2f} %"
            + (f", s/epoch {' '.join(f'{s:.2f}' for s in eps)}" if eps else
               f", fit {r['train_seconds']:.2f} s"))

    add("scikit-learn", "TfidfVectorizer + LogisticRegression", sklearn_tfidf(corpus, train, test))

    index = {lab: i for i, lab in enumerate(labels)}
    X = torch.tensor([ids for _, _, ids in train], dtype=torch.long)
    Xt = torch.tensor([ids for _, _, ids in test], dtype=torch.long)
    y = torch.tensor([index[lab] for lab, _, _ in train])
    yt = torch.tensor([index.get(lab, -1) for lab, _, _ in test])
    models = torch_models(torch, V, len(labels))
    for key, name in (("bag", "EmbeddingBag (mean) + linear"), ("lstm", "Embedding + LSTM + linear")):
        add("PyTorch", name, torch_train(torch, models[key](), X, y, Xt, yt, EPOCHS[corpus]))

    emb = {"type": "embedding", "input_dim": V, "output_dim": DIM, "mask_zero": True}
    add("pgdl", "ids: embedding + global_avgpool + dense",
        pgdl_train(cur, corpus, f"{corpus}_bag", [emb, {"type": "global_avgpool"}], "ids"))
    add("pgdl", "ids: embedding + lstm + dense",
        pgdl_train(cur, corpus, f"{corpus}_lstm", [emb, {"type": "lstm", "units": UNITS}], "ids"))
    if text_opt:
        temb = {"type": "embedding", "output_dim": DIM}
        seq = {"text": {"doc": {"encoding": "sequence", "max_length": L, "vocabulary_size": VOCAB["max_size"],
                                "min_count": VOCAB["min_count"]}}}
        add("pgdl", "text sequence: embedding + global_avgpool + dense",
            pgdl_train(cur, corpus, f"{corpus}_tbag", [temb, {"type": "global_avgpool"}], "doc", seq))
        add("pgdl", "text sequence: embedding + lstm + dense",
            pgdl_train(cur, corpus, f"{corpus}_tlstm", [temb, {"type": "lstm", "units": UNITS}], "doc", seq))
    if tfidf:
        tf = {"text": {"doc": {"encoding": "tfidf", "vocabulary_size": VOCAB["max_size"],
                               "min_count": VOCAB["min_count"]}}}
        add("pgdl", "text tfidf: linear (softmax regression)",
            pgdl_train(cur, corpus, f"{corpus}_tfidf", [], "doc", tf))
        add("pgdl", "text tfidf: dense (64, relu) + dense",
            pgdl_train(cur, corpus, f"{corpus}_tfidf_dense", [{"type": "dense", "units": DIM, "activation": "relu"}],
                       "doc", tf))
    return res


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run():
    import psycopg2
    import sklearn
    import torch
    torch.set_num_threads(1)
    conn = psycopg2.connect("")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("LOAD 'pgdl'")
    cur.execute("SET pgdl.blas_threads = 1")
    cur.execute("SET max_parallel_workers_per_gather = 0")
    load = [uptime()]
    text_opt = accepts(cur, "option text in train_model",
                       [{"type": "embedding", "output_dim": 2}, {"type": "global_avgpool"}], {"max_length": 4})
    tfidf = text_opt and accepts(cur, "tfidf encoding", [], {"encoding": "tfidf"})
    results = {}
    for corpus in ("en", "zh"):
        results[corpus] = run_corpus(cur, torch, corpus, text_opt, tfidf)
    load.append(uptime())

    cur.execute("SHOW pgdl.blas_threads")
    blas = cur.fetchone()[0]
    print(benchlib.machine(cur))
    print(f"python3, scikit-learn {sklearn.__version__}, PyTorch {torch.__version__} "
          f"(torch.get_num_threads() = {torch.get_num_threads()}); pgdl.blas_threads = {blas}, "
          f"no parallel workers; OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = 1")
    print(f"load: before {load[0].split('load average:')[-1].strip()}, "
          f"after {load[1].split('load average:')[-1].strip()} (uptime's 1, 5, 15 minute averages; 2 CPUs)")
    print(f"every neural model: {EPOCHS['en']} epochs (English), {EPOCHS['zh']} (Chinese), Adam lr {LR},"
          f" batch {BATCH}, seed {SEED}, no validation split, embedding {DIM}, LSTM {UNITS} units;"
          f" the split: pgdl.split(.., '{{0.8,0.2}}', {SEED}, 'id')")
    print(f"vocabulary: pgdl.vocabulary(doc, '{json.dumps(VOCAB)}') over the training split;"
          " PyTorch trains on the same id arrays (exported into tensors, untimed)")
    for corpus, r in results.items():
        title = {"en": f"English: apt package descriptions, the {SECTIONS} most frequent sections",
                 "zh": "Chinese: fortunes-zh, which collection a fortune comes from"}[corpus]
        p = r["prep"]
        print()
        print(f"### {title}")
        print()
        print(f"{r['rows_train']} training rows, {r['rows_test']} test rows, {r['classes']} classes "
              f"(majority class {100 * r['majority']:.1f} % of the test rows); max_length {MAX_LENGTH[corpus]} "
              f"({r['cut']} training documents cut); vocabulary {p['vocabulary_size']} ids")
        print(f"pgdl in SQL: pgdl.split {p['split']:.2f} s, pgdl.vocabulary {p['vocabulary']:.2f} s, "
              f"pgdl.tokenize of both splits into int4[] tables {p['tokenize']:.2f} s")
        print()
        print("| side | model | test accuracy % | s/epoch | training s |")
        print("|---|---|---:|---:|---:|")
        for m in r["models"]:
            eps = m["epoch_seconds"]
            per = f"{sum(eps) / len(eps):.2f}" if eps else "—"
            extra = f" ({m['note']}; TfidfVectorizer {m['prep_seconds']:.2f} s)" if m.get("note") else ""
            print(f"| {m['side']} | {m['model']}{extra} | {100 * m['accuracy']:.2f} | {per} | "
                  f"{m['train_seconds']:.2f} |")
        ms = r["models"]
        best_base = max((m for m in ms if m["side"] != "pgdl"), key=lambda m: m["accuracy"])
        best_pg = max((m for m in ms if m["side"] == "pgdl"), key=lambda m: m["accuracy"])
        diff = 100 * (best_pg["accuracy"] - best_base["accuracy"])
        print()
        print(f"best pgdl ({best_pg['model']}) − best baseline ({best_base['side']} {best_base['model']}): "
              f"{diff:+.2f} points (target ≥ −1: {'met' if diff >= -1 else 'missed'})")

        def per_epoch(m):
            return sum(m["epoch_seconds"]) / len(m["epoch_seconds"])
        pairs = [("EmbeddingBag", "global_avgpool"), ("LSTM", "lstm")]
        for tname, pname in pairs:
            t = next(m for m in ms if m["side"] == "PyTorch" and tname in m["model"])
            for p in (m for m in ms if m["side"] == "pgdl" and pname in m["model"]):
                ratio = per_epoch(p) / per_epoch(t)
                print(f"s/epoch pgdl {p['model']} / PyTorch {t['model']}: {ratio:.2f}x "
                      f"(target < 1: {'met' if ratio < 1 else 'missed'})")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "load-en":
        load(english())
    elif cmd == "load-zh":
        load(chinese())
    else:
        run()
