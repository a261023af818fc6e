-- pushed down to sqlite
-- 1. a row the engine would fail on? (then the report streams)
SELECT 1 FROM "t" WHERE (typeof("g1") NOT IN ('text', 'null')) OR (typeof("q") NOT IN ('integer', 'null')) LIMIT 1;
-- 2. every aggregate of every level
SELECT "g1" COLLATE BINARY AS _k0, 1 AS _d, COUNT(*) AS _n, COUNT(*) AS _a0_count, SUM("q") AS _a1_sum, COUNT("q") AS _a1_count, NULL AS _a2_count, NULL AS _a3_sum, NULL AS _a3_count FROM "t" GROUP BY "g1" COLLATE BINARY UNION ALL SELECT NULL AS _k0, 0 AS _d, COUNT(*) AS _n, NULL AS _a0_count, NULL AS _a1_sum, NULL AS _a1_count, COUNT(*) AS _a2_count, SUM("q") AS _a3_sum, COUNT("q") AS _a3_count FROM "t";
