-- pushed down to clickhouse
SELECT "g1" AS _k0, 1 AS _d, COUNT(*) AS _n, COUNT(*) AS _a0_count, COUNT("q") AS _a1_count, NULL AS _a2_value, NULL AS _a3_value, NULL AS _a4_value FROM "t" GROUP BY "g1" UNION ALL SELECT NULL AS _k0, 0 AS _d, COUNT(*) AS _n, NULL AS _a0_count, NULL AS _a1_count, MIN("g1") AS _a2_value, MAX("g1") AS _a3_value, COUNT(DISTINCT "g1") AS _a4_value FROM "t";
