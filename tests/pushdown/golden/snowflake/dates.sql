-- pushed down to snowflake
SELECT "D" AS _k0, GROUPING("D") AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, SUM("Q") AS _a1_sum, COUNT("Q") AS _a1_count, MIN("D") AS _a2_value, MAX("D") AS _a3_value FROM "T" GROUP BY GROUPING SETS (("D"), ());
