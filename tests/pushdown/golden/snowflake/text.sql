-- pushed down to snowflake
SELECT TO_BINARY("G1", 'UTF-8') AS _k0, GROUPING(TO_BINARY("G1", 'UTF-8')) AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, COUNT("Q") AS _a1_count, MIN(TO_BINARY("G1", 'UTF-8')) AS _a2_value, MAX(TO_BINARY("G1", 'UTF-8')) AS _a3_value, COUNT(DISTINCT TO_BINARY("G1", 'UTF-8')) AS _a4_value FROM "T" GROUP BY GROUPING SETS ((TO_BINARY("G1", 'UTF-8')), ());
