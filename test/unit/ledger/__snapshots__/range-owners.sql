-- rangeOwners
-- $1 = ["aibridge-migrate backfill range \"aibridge_migrate\".\"backfill_ranges\" \"app\".\"aibridge_token_usages\" 7 1","aibridge-migrate backfill range \"aibridge_migrate\".\"backfill_ranges\" \"app\".\"aibridge_token_usages\" 7 2"]
SELECT n.name, l.pid
       FROM unnest($1::text[]) AS n(name)
       CROSS JOIN LATERAL (SELECT hashtextextended(n.name, 0) AS key) AS k
       JOIN pg_locks l ON l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid;
