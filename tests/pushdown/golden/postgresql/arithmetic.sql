-- pushed down to postgresql
-- 1. a row the engine would fail on? (then the report streams)
SELECT 1 FROM "t" WHERE ("p" = 'NaN') LIMIT 1;
-- 2. every aggregate of every level
SELECT "g2" AS _k0, GROUPING("g2") AS _g, COUNT(*) AS _n, SUM((CAST("q" AS DECIMAL) * CAST("p" AS DECIMAL))) AS _a0_sum, COUNT((CAST("q" AS DECIMAL) * CAST("p" AS DECIMAL))) AS _a0_count, SUM((CAST((CAST("q" AS DECIMAL) * CAST(2 AS DECIMAL)) AS DECIMAL) - CAST("q" AS DECIMAL))) AS _a1_sum, COUNT((CAST((CAST("q" AS DECIMAL) * CAST(2 AS DECIMAL)) AS DECIMAL) - CAST("q" AS DECIMAL))) AS _a1_count, MAX((-CAST("q" AS DECIMAL))) AS _a2_value FROM "t" GROUP BY GROUPING SETS (("g2"), ());
