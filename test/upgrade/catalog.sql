-- test/upgrade/catalog.sql: everything the pgdl extension puts into a
-- database's catalog, as one row per object: (kind, object, definition),
-- in the temporary view pgdl_catalog.  scripts/run_tests.sh (section
-- upgrade) reads it in a database where the current version was created
-- fresh and test/upgrade/check.sql compares it with the same view in a
-- database upgraded from an older version by ALTER EXTENSION pgdl UPDATE:
-- any difference is an upgrade script that does not do what the install
-- script does.
--
-- Generic on purpose: no object is named.  Every function, aggregate,
-- type, table, view, sequence, index, constraint, trigger, policy,
-- operator and cast of schema pgdl or of the extension is described by
-- what the catalog holds about it (markings, signatures, bodies, defaults,
-- storage, privileges, comments), so that a change to any src/pg/*.sql
-- fragment without a matching step in src/upgrade/ fails the comparison.
-- Objects are named by their signatures, never by OIDs.  Definitions are
-- one line (newlines shown as \n) so that a difference reads well in the
-- TAP diagnostics.
CREATE TEMP VIEW pgdl_catalog AS
WITH ext AS (
	SELECT oid, extnamespace FROM pg_extension WHERE extname = 'pgdl'
),
member AS (
	SELECT d.classid, d.objid, d.objsubid FROM pg_depend d, ext
	WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ext.oid AND d.deptype = 'e'
),
nsp AS (
	SELECT n.oid FROM pg_namespace n, ext WHERE n.oid = ext.extnamespace
),
procs AS (
	SELECT p.* FROM pg_proc p
	WHERE p.pronamespace IN (SELECT oid FROM nsp)
	   OR p.oid IN (SELECT objid FROM member WHERE classid = 'pg_proc'::regclass)
),
types AS (
	SELECT t.* FROM pg_type t
	WHERE (t.typnamespace IN (SELECT oid FROM nsp)
		   OR t.oid IN (SELECT objid FROM member WHERE classid = 'pg_type'::regclass))
),
rels AS (
	SELECT c.* FROM pg_class c
	WHERE c.relnamespace IN (SELECT oid FROM nsp)
	   OR c.oid IN (SELECT objid FROM member WHERE classid = 'pg_class'::regclass)
),
rows AS (
	-- every object that belongs to the extension, of any kind
	SELECT 'member' AS kind, pg_describe_object(classid, objid, objsubid) AS object, '' AS definition
	FROM member
	UNION ALL
	-- the extension itself: its schema, relocatability, the tables pg_dump carries
	SELECT 'extension', e.extname,
		   format('schema=%s relocatable=%s config=%s conditions=%s', e.extnamespace::regnamespace,
				  e.extrelocatable,
				  (SELECT array_agg(c::regclass::text ORDER BY c::regclass::text) FROM unnest(e.extconfig) c),
				  e.extcondition)
	FROM pg_extension e WHERE e.extname = 'pgdl'
	UNION ALL
	SELECT 'schema', n.nspname::text,
		   format('owner_is_extension_owner=%s acl=%s comment=%s',
				  n.nspowner = (SELECT extowner FROM pg_extension WHERE extname = 'pgdl'),
				  n.nspacl, obj_description(n.oid, 'pg_namespace'))
	FROM pg_namespace n WHERE n.oid IN (SELECT oid FROM nsp)
	UNION ALL
	-- functions and procedures: pg_get_functiondef holds the language, the
	-- body or C symbol, argument names and defaults, return type,
	-- volatility, strictness, parallel safety, security, leakproofness,
	-- cost, rows, SET clauses and the support function
	SELECT 'function', p.oid::regprocedure::text,
		   format('kind=%s def=%s acl=%s comment=%s', p.prokind, pg_get_functiondef(p.oid), p.proacl,
				  obj_description(p.oid, 'pg_proc'))
	FROM procs p WHERE p.prokind IN ('f', 'p', 'w')
	UNION ALL
	-- aggregates (pg_get_functiondef refuses them): the pg_aggregate row
	SELECT 'aggregate', p.oid::regprocedure::text,
		   format('returns=%s args=%s strict=%s volatility=%s parallel=%s aggkind=%s directargs=%s '
				  'sfunc=%s stype=%s sspace=%s final=%s finalextra=%s finalmodify=%s combine=%s '
				  'serial=%s deserial=%s msfunc=%s minvfunc=%s mfinal=%s mfinalextra=%s mfinalmodify=%s '
				  'mstype=%s msspace=%s sortop=%s initcond=%s minitcond=%s acl=%s comment=%s',
				  p.prorettype::regtype, pg_get_function_arguments(p.oid), p.proisstrict, p.provolatile,
				  p.proparallel, a.aggkind, a.aggnumdirectargs, a.aggtransfn::regprocedure,
				  a.aggtranstype::regtype, a.aggtransspace, a.aggfinalfn::regprocedure, a.aggfinalextra,
				  a.aggfinalmodify, a.aggcombinefn::regprocedure, a.aggserialfn::regprocedure,
				  a.aggdeserialfn::regprocedure, a.aggmtransfn::regprocedure, a.aggminvtransfn::regprocedure,
				  a.aggmfinalfn::regprocedure, a.aggmfinalextra, a.aggmfinalmodify, a.aggmtranstype::regtype,
				  a.aggmtransspace, a.aggsortop::regoperator, a.agginitval, a.aggminitval, p.proacl,
				  obj_description(p.oid, 'pg_proc'))
	FROM procs p JOIN pg_aggregate a ON a.aggfnoid = p.oid
	UNION ALL
	-- types: base, composite, enum, domain, range (implicit array types
	-- and the row types of tables are described with their element and
	-- table)
	SELECT 'type', t.oid::regtype::text,
		   format('type=%s len=%s byval=%s category=%s preferred=%s delim=%s in=%s out=%s recv=%s '
				  'send=%s modin=%s modout=%s analyze=%s subscript=%s align=%s storage=%s notnull=%s '
				  'base=%s typmod=%s ndims=%s collation=%s default=%s array=%s attributes=%s labels=%s '
				  'constraints=%s range=%s acl=%s comment=%s',
				  t.typtype, t.typlen, t.typbyval, t.typcategory, t.typispreferred, t.typdelim,
				  t.typinput::regprocedure, t.typoutput::regprocedure, t.typreceive::regprocedure,
				  t.typsend::regprocedure, t.typmodin::regprocedure, t.typmodout::regprocedure,
				  t.typanalyze::regprocedure, t.typsubscript::regprocedure, t.typalign, t.typstorage,
				  t.typnotnull, t.typbasetype::regtype, t.typtypmod, t.typndims, t.typcollation,
				  t.typdefault, t.typarray <> 0,
				  (SELECT string_agg(format('%s %s%s', a.attname, format_type(a.atttypid, a.atttypmod),
											CASE WHEN a.attcollation <> 0 AND a.attcollation <> t2.typcollation
												 THEN ' collate ' || a.attcollation::regcollation::text END),
									 ', ' ORDER BY a.attnum)
				   FROM pg_attribute a JOIN pg_type t2 ON t2.oid = a.atttypid
				   WHERE t.typtype = 'c' AND a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped),
				  (SELECT string_agg(e.enumlabel::text, ', ' ORDER BY e.enumsortorder)
				   FROM pg_enum e WHERE e.enumtypid = t.oid),
				  (SELECT string_agg(format('%s %s', c.conname, pg_get_constraintdef(c.oid)), ', ' ORDER BY c.conname)
				   FROM pg_constraint c WHERE c.contypid = t.oid),
				  (SELECT format('%s %s %s %s', r.rngsubtype::regtype, r.rngsubopc, r.rngcanonical, r.rngsubdiff)
				   FROM pg_range r WHERE r.rngtypid = t.oid),
				  t.typacl, obj_description(t.oid, 'pg_type'))
	FROM types t
	WHERE NOT EXISTS (SELECT 1 FROM pg_type e WHERE e.typarray = t.oid)
	  AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
	UNION ALL
	-- tables, views, sequences, indexes, composite types' relations
	SELECT 'relation', c.oid::regclass::text,
		   format('relkind=%s persistence=%s options=%s rls=%s force_rls=%s acl=%s comment=%s view=%s '
				  'sequence=%s index=%s columns=%s constraints=%s triggers=%s policies=%s rules=%s',
				  c.relkind, c.relpersistence, c.reloptions, c.relrowsecurity, c.relforcerowsecurity, c.relacl,
				  obj_description(c.oid, 'pg_class'),
				  CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END,
				  (SELECT format('%s start=%s inc=%s max=%s min=%s cache=%s cycle=%s', s.seqtypid::regtype,
								 s.seqstart, s.seqincrement, s.seqmax, s.seqmin, s.seqcache, s.seqcycle)
				   FROM pg_sequence s WHERE s.seqrelid = c.oid),
				  CASE WHEN c.relkind IN ('i', 'I') THEN pg_get_indexdef(c.oid) END,
				  (SELECT string_agg(format('%s %s notnull=%s default=%s identity=%s generated=%s storage=%s '
											'collation=%s acl=%s comment=%s',
											a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
											pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
											a.attstorage, a.attcollation::regcollation, a.attacl,
											col_description(c.oid, a.attnum)),
									 ', ' ORDER BY a.attnum)
				   FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
				   WHERE c.relkind NOT IN ('i', 'I', 'S') AND a.attrelid = c.oid AND a.attnum > 0
					 AND NOT a.attisdropped),
				  (SELECT string_agg(format('%s %s comment=%s', co.conname, pg_get_constraintdef(co.oid),
											obj_description(co.oid, 'pg_constraint')), ', ' ORDER BY co.conname)
				   FROM pg_constraint co WHERE co.conrelid = c.oid),
				  (SELECT string_agg(format('%s enabled=%s', pg_get_triggerdef(tg.oid), tg.tgenabled), ', '
									 ORDER BY tg.tgname)
				   FROM pg_trigger tg WHERE tg.tgrelid = c.oid AND NOT tg.tgisinternal),
				  (SELECT string_agg(format('%s cmd=%s permissive=%s roles=%s using=%s check=%s', po.polname,
											po.polcmd, po.polpermissive,
											(SELECT array_agg(CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END
															  ORDER BY 1) FROM unnest(po.polroles) r),
											pg_get_expr(po.polqual, po.polrelid),
											pg_get_expr(po.polwithcheck, po.polrelid)), ', ' ORDER BY po.polname)
				   FROM pg_policy po WHERE po.polrelid = c.oid),
				  (SELECT string_agg(pg_get_ruledef(ru.oid), ', ' ORDER BY ru.rulename)
				   FROM pg_rewrite ru WHERE ru.ev_class = c.oid AND ru.rulename <> '_RETURN'))
	FROM rels c
	UNION ALL
	SELECT 'operator', o.oid::regoperator::text,
		   format('result=%s code=%s commutator=%s negator=%s restrict=%s join=%s merges=%s hashes=%s comment=%s',
				  o.oprresult::regtype, o.oprcode::regprocedure, o.oprcom::regoperator, o.oprnegate::regoperator,
				  o.oprrest::regprocedure, o.oprjoin::regprocedure, o.oprcanmerge, o.oprcanhash,
				  obj_description(o.oid, 'pg_operator'))
	FROM pg_operator o
	WHERE o.oprnamespace IN (SELECT oid FROM nsp)
	   OR o.oid IN (SELECT objid FROM member WHERE classid = 'pg_operator'::regclass)
	UNION ALL
	SELECT 'cast', format('%s -> %s', ca.castsource::regtype, ca.casttarget::regtype),
		   format('function=%s context=%s method=%s', ca.castfunc::regprocedure, ca.castcontext, ca.castmethod)
	FROM pg_cast ca WHERE ca.oid IN (SELECT objid FROM member WHERE classid = 'pg_cast'::regclass)
)
SELECT kind, object, replace(coalesce(definition, ''), E'\n', '\n') AS definition FROM rows;
