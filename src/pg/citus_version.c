/*-------------------------------------------------------------------------
 *
 * citus_version.c
 *	  Before pgdl code runs on Citus workers (shipped scoring, the
 *	  aggregates that data-parallel training, k-means and PCA push down),
 *	  the coordinator checks that every worker has the pgdl version it has.
 *
 * A worker with another version would read the coordinator's states,
 * models and queries with other code (or not know a function at all), and
 * fail half-way or answer differently.  So the coordinator asks every
 * active worker for its installed pgdl version (pg_extension.extversion,
 * through Citus's run_command_on_workers: one short query per worker, in
 * parallel) and refuses with 55000, naming the node and both versions,
 * when one differs.
 *
 * The answer is kept for the backend: it is asked again when the node list
 * changes (Citus invalidates pg_dist_node's relcache entry on every change
 * of it, which our relcache callback hears) or when the coordinator's own
 * version changes (read from its catalog at each check, an index lookup).
 * Only agreement is kept: a mismatch is asked again at the next check.  A
 * worker updated on its own, behind the coordinator's back, is seen at the
 * next change of the node list or in a new session.
 *
 * src/pg/citus_version.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "citus_ship.h"

static struct
{
	bool		registered;		/* the relcache callback */
	bool		agreed;			/* every worker had version when last asked */
	Oid			dist_node;		/* pg_dist_node, whose changes forget it */
	char		version[NAMEDATALEN];
}			check;

static void
forget_nodes(Datum arg, Oid relid)
{
	if (!OidIsValid(relid) || relid == check.dist_node)
		check.agreed = false;
}

/* the installed version of pgdl in this database, or NULL */
static char *
local_version(void)
{
	Relation	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tup;
	char	   *version = NULL;

	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum("pgdl"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
	{
		bool		isnull;
		Datum		d = heap_getattr(tup, Anum_pg_extension_extversion, RelationGetDescr(rel), &isnull);

		if (!isnull)
			version = TextDatumGetCString(d);
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return version;
}

void
pgdl_citus_check_versions(void)
{
	Oid			dist_node = get_relname_relid("pg_dist_node", PG_CATALOG_NAMESPACE);
	char	   *version;

	if (!OidIsValid(dist_node))
		return;
	version = local_version();
	if (version == NULL)
		return;
	if (!check.registered)
	{
		CacheRegisterRelcacheCallback(forget_nodes, (Datum) 0);
		check.registered = true;
	}
	if (check.agreed && check.dist_node == dist_node && strcmp(check.version, version) == 0)
		return;

	check.agreed = false;
	check.dist_node = dist_node;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "pgdl: SPI_connect failed");
	if (SPI_execute("SELECT nodename, nodeport, success, result FROM pg_catalog.run_command_on_workers("
					"$$SELECT coalesce((SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'pgdl'), '')$$)",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "pgdl: asking the Citus workers for their pgdl version failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *node = SPI_getvalue(row, desc, 1);
		char	   *port = SPI_getvalue(row, desc, 2);
		char	   *success = SPI_getvalue(row, desc, 3);
		char	   *theirs = SPI_getvalue(row, desc, 4);

		if (theirs == NULL)
			theirs = "";
		if (success == NULL || strcmp(success, "t") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_EXCEPTION),
					 errmsg("cannot ask Citus node %s:%s for its pgdl version: %s", node, port, theirs),
					 errdetail("pgdl runs on the Citus workers only when each has the coordinator's version (%s).",
							   version)));
		if (theirs[0] == '\0')
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("pgdl is not installed on Citus node %s:%s (the coordinator has version %s)",
							node, port, version),
					 errhint("Create the extension on the coordinator, which creates it on every worker, or CREATE EXTENSION pgdl on that node.")));
		if (strcmp(theirs, version) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("pgdl version %s on Citus node %s:%s differs from the coordinator's version %s",
							theirs, node, port, version),
					 errdetail("pgdl code runs on the workers only when every node has the coordinator's version."),
					 errhint("Install the same pgdl on every node and run ALTER EXTENSION pgdl UPDATE on the coordinator (Citus runs it on the workers).")));
	}
	SPI_finish();
	strlcpy(check.version, version, sizeof(check.version));
	check.agreed = true;
}
