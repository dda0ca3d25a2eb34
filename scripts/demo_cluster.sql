-- scripts/demo_cluster.sql: a clustering of Fashion-MNIST for the demo
-- (run after scripts/demo.sql has loaded fashion_mnist (label, pixels);
-- the integrator wires it into scripts/demo.sh).  k-means with 10 clusters
-- on the pixels, how each cluster's images spread over the true labels, and
-- the silhouette of the clustering.
\echo
\echo '== k-means: 10 clusters of the 60,000 images (k-means++, seed 1) =='
\timing on
SELECT count(*) AS clusters, sum(size) AS images, round(sum(sse)) AS sse
FROM pgdl.train_kmeans('fashion_clusters', 'fashion_mnist', 10, ARRAY['pixels'], '{"seed": 1, "max_iter": 100}');
\timing off
\echo 'each cluster, its most common label and the share of that label (purity):'
SELECT cluster, sum(n) AS images, (array_agg(label ORDER BY n DESC, label))[1] AS top_label,
       round(max(n) / sum(n), 2) AS purity
FROM (SELECT pgdl.predict('fashion_clusters', pixels)::int AS cluster, label, count(*) AS n
      FROM fashion_mnist GROUP BY 1, 2) s
GROUP BY cluster ORDER BY cluster;
\echo 'silhouette of 2,000 images (-1 .. 1, higher = better separated):'
SELECT round(pgdl.silhouette('fashion_clusters', 'SELECT pixels FROM fashion_mnist ORDER BY id LIMIT 2000')::numeric, 3)
	AS silhouette;
