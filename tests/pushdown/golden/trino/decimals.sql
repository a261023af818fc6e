-- pushed down to trino
SELECT "g2" AS _k0, GROUPING("g2") AS _g, COUNT(*) AS _n, SUM("p") AS _a0_sum, COUNT("p") AS _a0_count, MIN("p") AS _a2_value, MAX("p") AS _a3_value, COUNT(DISTINCT "p") AS _a4_value, SUM("p") FILTER(WHERE (("q" > 1))) AS _a5_sum, COUNT("p") FILTER(WHERE (("q" > 1))) AS _a5_count FROM "t" GROUP BY GROUPING SETS (("g2"), ());
