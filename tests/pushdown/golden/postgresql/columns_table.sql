-- pushed down to postgresql
SELECT CAST("g1" AS TEXT) COLLATE "C" AS _k0, GROUPING(CAST("g1" AS TEXT) COLLATE "C") AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, SUM("q") AS _a1_sum, COUNT("q") AS _a1_count FROM "t" GROUP BY GROUPING SETS ((CAST("g1" AS TEXT) COLLATE "C"), ());
