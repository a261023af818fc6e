-- pushed down to duckdb
SELECT CAST("g1" AS TEXT) COLLATE C AS _k0, GROUPING(CAST("g1" AS TEXT) COLLATE C) AS _g, COUNT(*) AS _n, COUNT(*) AS _a0_count, COUNT("q") AS _a1_count, MIN(CAST("g1" AS TEXT) COLLATE C) AS _a2_value, MAX(CAST("g1" AS TEXT) COLLATE C) AS _a3_value, COUNT(DISTINCT CAST("g1" AS TEXT) COLLATE C) AS _a4_value FROM (SELECT * FROM read_parquet('DIR/part*.parquet')
) AS _src GROUP BY GROUPING SETS ((CAST("g1" AS TEXT) COLLATE C), ());
