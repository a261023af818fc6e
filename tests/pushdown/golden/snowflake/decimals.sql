-- pushed down to snowflake
SELECT "G2" AS _k0, GROUPING("G2") AS _g, COUNT(*) AS _n, SUM("P") AS _a0_sum, COUNT("P") AS _a0_count, MIN("P") AS _a2_value, MAX("P") AS _a3_value, COUNT(DISTINCT "P") AS _a4_value, SUM(CASE WHEN (("Q" > 1)) THEN "P" END) AS _a5_sum, COUNT(CASE WHEN (("Q" > 1)) THEN "P" END) AS _a5_count FROM "T" GROUP BY GROUPING SETS (("G2"), ());
