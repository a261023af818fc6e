-- pushed down to sqlite
-- 1. a row the engine would fail on? (then the report streams)
SELECT 1 FROM "t" WHERE (typeof("g1") NOT IN ('text', 'null')) OR (typeof("q") NOT IN ('integer', 'null')) LIMIT 1;
-- 2. every aggregate of every level
SELECT "g1" COLLATE BINARY AS _k0, 1 AS _d, COUNT(*) AS _n, COUNT(*) AS _a0_count, COUNT("q") AS _a1_count, NULL AS _a2_value, NULL AS _a3_value, NULL AS _a4_value FROM "t" GROUP BY "g1" COLLATE BINARY UNION ALL SELECT NULL AS _k0, 0 AS _d, COUNT(*) AS _n, NULL AS _a0_count, NULL AS _a1_count, MIN("g1" COLLATE BINARY) AS _a2_value, MAX("g1" COLLATE BINARY) AS _a3_value, COUNT(DISTINCT "g1" COLLATE BINARY) AS _a4_value FROM "t";
