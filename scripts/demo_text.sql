-- scripts/demo_text.sql — text in the tour.  The one-line descriptions of
-- this machine's Debian packages (scripts/load_packages.py: table packages,
-- name, section, description) are real English text labelled by their
-- Section.  It shows what the tokenizer makes of English and Chinese, fits a
-- vocabulary over every description with the pgdl.vocabulary aggregate, then
-- trains a text classifier straight from the text column (the option
-- "text": the vocabulary is fitted on the training rows and kept in the
-- model) to tell eight sections apart, scores held-out and new descriptions
-- by their raw text, and finds a description's nearest neighbours by the
-- embeddings the model computes (pgdl.embed).  Runs on its own too, in any
-- database with pgdl and the table packages:
--     psql -X -f scripts/demo_text.sql

\set ON_ERROR_STOP on
\set QUIET on
\pset pager off
\pset footer off

SELECT to_regclass('packages') IS NOT NULL AS have_packages \gset
\if :have_packages
\else
\echo 'scripts/demo_text.sql: table packages is missing; load it with'
\echo '    psql -X -c "CREATE TABLE packages (name text PRIMARY KEY, section text, description text)"'
\echo '    /usr/bin/python3 scripts/load_packages.py | psql -X -c "COPY packages FROM STDIN"'
\quit
\endif

\echo
\echo '==== pgdl.tokens: Unicode words, CJK characters as unigrams and bigrams'
SELECT doc, pgdl.tokens(doc) AS tokens
FROM (VALUES ('Real-time strategy game of ancient warfare'),
             ('Ünïcödé-aware CASE folding: Straße'),
             ('学而时习之，不亦说乎')) AS d(doc);

\timing on
\echo
\echo '==== pgdl.vocabulary: one aggregate over every description (counts and document frequencies)'
CREATE TEMP TABLE demo_vocabulary AS
SELECT count(*) AS descriptions, pgdl.vocabulary(description) AS v FROM packages;
\timing off
SELECT descriptions, pgdl.vocabulary_size(v) AS distinct_tokens,
       (pgdl.vocabulary_info(v)->>'documents')::bigint AS documents
FROM demo_vocabulary;
\echo '       the most frequent tokens:'
SELECT t.id, t.token, t.count, t.documents
FROM demo_vocabulary, pgdl.vocabulary_tokens(v) t
WHERE t.id >= 2
ORDER BY t.count DESC, t.id
LIMIT 8;

-- eight sections whose descriptions say what they are; a description shared
-- by packages of two sections is left out
CREATE TEMP TABLE demo_docs AS
SELECT min(name) AS name, min(section) AS section, description
FROM packages
WHERE section IN ('python', 'perl', 'haskell', 'rust', 'golang', 'javascript', 'java', 'doc')
GROUP BY description
HAVING count(DISTINCT section) = 1;
CREATE TEMP TABLE demo_train AS
SELECT d.* FROM demo_docs d JOIN pgdl.split('demo_docs', '{0.8,0.2}', 42, 'name') s ON s.key = d.name WHERE s.part = 0;
CREATE TEMP TABLE demo_test AS
SELECT d.* FROM demo_docs d JOIN pgdl.split('demo_docs', '{0.8,0.2}', 42, 'name') s ON s.key = d.name WHERE s.part = 1;
SELECT (SELECT count(*) FROM demo_train) AS training_rows, (SELECT count(*) FROM demo_test) AS test_rows,
       (SELECT count(DISTINCT section) FROM demo_train) AS sections;

\timing on
\echo
\echo '==== pgdl.train_model on the text column: tokens -> embedding 32 (padding masked) -> mean -> dense 64 -> 8 sections
\echo '       option "text": {"description": {"encoding": "sequence", "max_length": 24, "vocabulary_size": 20000}}; 3 epochs, Adam'
SELECT model, version, task, parameters, epochs,
       round(train_loss::numeric, 4) AS train_loss, metric,
       round(validation_metric::numeric, 4) AS validation_metric, round(seconds::numeric, 1) AS seconds
FROM pgdl.train_model('sections', 'demo_train', 'section',
       '[{"type":"embedding","output_dim":32},
         {"type":"global_avgpool"},
         {"type":"dense","units":64,"activation":"relu"},
         {"type":"dense","units":8,"activation":"softmax"}]',
       ARRAY['description'],
       '{"text": {"description": {"encoding": "sequence", "max_length": 24, "vocabulary_size": 20000}},
         "epochs": 3, "batch_size": 64, "learning_rate": 0.003, "seed": 1}');

\echo
\echo '==== pgdl.evaluate on the held-out 20 % (the model reads the raw text with its own vocabulary)'
SELECT metric, round(value::numeric, 4) AS value
FROM pgdl.evaluate('sections', 'demo_test', 'section')
WHERE metric IN ('accuracy', 'f1_macro', 'n');
\timing off

\echo
\echo '==== pgdl.predict_label on descriptions the model never saw'
SELECT description, pgdl.predict_label('sections', d) AS section
FROM (VALUES ('Tokio runtime crate for asynchronous networking'),
             ('CPAN module to parse configuration files'),
             ('Sphinx documentation of the HTTP client library'),
             ('pure Haskell bindings for JSON encoding')) AS d(description);

\echo
\echo '==== pgdl.embed: the nearest neighbours of a description by the model''s embedding (cosine)'
CREATE TEMP TABLE demo_embeddings AS
SELECT name, section, description, pgdl.embed('sections', t) AS e FROM demo_test t;
WITH q AS (SELECT e FROM demo_embeddings WHERE name = (SELECT min(name) FROM demo_embeddings WHERE section = 'rust'))
SELECT name, section, description,
       round((1 - (SELECT sum(a * b) FROM unnest(d.e, q.e) AS u(a, b))
              / sqrt((SELECT sum(a * a) FROM unnest(d.e) a) * (SELECT sum(b * b) FROM unnest(q.e) b)))::numeric, 4) AS cosine_distance
FROM demo_embeddings d, q
ORDER BY cosine_distance
LIMIT 5;
