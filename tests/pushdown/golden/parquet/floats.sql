-- pushed down to duckdb
SELECT "g2" AS _k0, GROUPING("g2") AS _g, COUNT(*) AS _n, FSUM("f") AS _a0_sum, COUNT("f") AS _a0_count, SUM(ABS("f")) AS _a0_abs, MIN("f") AS _a2_value, MAX("f") AS _a3_value FROM (SELECT * FROM read_parquet('DIR/part*.parquet')
) AS _src GROUP BY GROUPING SETS (("g2"), ());
