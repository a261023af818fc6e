-- pushed down to bigquery
SELECT `d` AS _k0, (GROUPING(`d`)) AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, SUM(`q`) AS _a1_sum, COUNT(`q`) AS _a1_count, MIN(`d`) AS _a2_value, MAX(`d`) AS _a3_value FROM `t` GROUP BY GROUPING SETS ((`d`), ());
