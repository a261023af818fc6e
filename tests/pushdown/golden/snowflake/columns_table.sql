-- pushed down to snowflake
SELECT TO_BINARY("G1", 'UTF-8') AS _k0, GROUPING(TO_BINARY("G1", 'UTF-8')) AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, SUM("Q") AS _a1_sum, COUNT("Q") AS _a1_count FROM "T" GROUP BY GROUPING SETS ((TO_BINARY("G1", 'UTF-8')), ());
