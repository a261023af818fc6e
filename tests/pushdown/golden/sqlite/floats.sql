-- pushed down to sqlite
-- 1. a row the engine would fail on? (then the report streams)
SELECT 1 FROM "t" WHERE (typeof("f") NOT IN ('integer', 'real', 'null')) OR (typeof("g2") NOT IN ('integer', 'null')) LIMIT 1;
-- 2. every aggregate of every level
SELECT "g2" AS _k0, 1 AS _d, COUNT(*) AS _n, SUM("f") AS _a0_sum, COUNT("f") AS _a0_count, SUM(ABS("f")) AS _a0_abs, MIN("f") AS _a2_value, MAX("f") AS _a3_value, NULL AS _a4_sum, NULL AS _a4_count, NULL AS _a4_abs FROM "t" GROUP BY "g2" UNION ALL SELECT NULL AS _k0, 0 AS _d, COUNT(*) AS _n, NULL AS _a0_sum, NULL AS _a0_count, NULL AS _a0_abs, NULL AS _a2_value, NULL AS _a3_value, SUM("f") AS _a4_sum, COUNT("f") AS _a4_count, SUM(ABS("f")) AS _a4_abs FROM "t";
