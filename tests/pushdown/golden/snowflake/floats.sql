-- pushed down to snowflake
SELECT "G2" AS _k0, GROUPING("G2") AS _g, COUNT(*) AS _n, SUM("F") AS _a0_sum, COUNT("F") AS _a0_count, SUM(ABS("F")) AS _a0_abs, MIN("F") AS _a2_value, MAX("F") AS _a3_value FROM "T" GROUP BY GROUPING SETS (("G2"), ());
