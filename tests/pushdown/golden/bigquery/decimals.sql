-- pushed down to bigquery
SELECT `g2` AS _k0, (GROUPING(`g2`)) AS _g, COUNT(*) AS _n, SUM(`p`) AS _a0_sum, COUNT(`p`) AS _a0_count, MIN(`p`) AS _a2_value, MAX(`p`) AS _a3_value, COUNT(DISTINCT `p`) AS _a4_value, SUM(CASE WHEN ((`q` > 1)) THEN `p` END) AS _a5_sum, COUNT(CASE WHEN ((`q` > 1)) THEN `p` END) AS _a5_count FROM `t` GROUP BY GROUPING SETS ((`g2`), ());
