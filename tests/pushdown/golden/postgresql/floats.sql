-- pushed down to postgresql
SELECT "g2" AS _k0, GROUPING("g2") AS _g, COUNT(*) AS _n, SUM(CAST("f" AS DECIMAL)) AS _a0_sum, COUNT("f") AS _a0_count, SUM(ABS("f")) AS _a0_abs, MIN("f") AS _a2_value, MAX("f") AS _a3_value FROM "t" GROUP BY GROUPING SETS (("g2"), ());
