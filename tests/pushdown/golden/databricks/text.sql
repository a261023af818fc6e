-- pushed down to databricks
SELECT CAST(`g1` AS BINARY) AS _k0, (GROUPING(CAST(`g1` AS BINARY))) AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, COUNT(`q`) AS _a1_count, MIN(CAST(`g1` AS BINARY)) AS _a2_value, MAX(CAST(`g1` AS BINARY)) AS _a3_value, COUNT(DISTINCT CAST(`g1` AS BINARY)) AS _a4_value FROM `t` GROUP BY GROUPING SETS ((CAST(`g1` AS BINARY)), ());
