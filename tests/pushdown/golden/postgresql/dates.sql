-- pushed down to postgresql
-- 1. a row the engine would fail on? (then the report streams)
SELECT 1 FROM "t" WHERE (NOT isfinite("d")) LIMIT 1;
-- 2. every aggregate of every level
SELECT "d" AS _k0, GROUPING("d") AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, SUM("q") AS _a1_sum, COUNT("q") AS _a1_count, MIN("d") AS _a2_value, MAX("d") AS _a3_value FROM "t" GROUP BY GROUPING SETS (("d"), ());
