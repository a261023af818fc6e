-- pushed down to duckdb
-- 1. a row the engine would fail on? (then the report streams)
SELECT 1 FROM (SELECT *, file_index AS "_reportdsl_file_index", file_row_number AS "_reportdsl_file_row" FROM read_parquet('DIR/part*.parquet')
) AS _src WHERE (NOT isfinite("d")) LIMIT 1;
-- 2. every aggregate of every level
SELECT "g2" AS _k0, GROUPING("g2") AS _g, COUNT(*) AS _n, ARG_MIN("q", (CAST("_reportdsl_file_index" AS BIGINT) * 1099511627776 + "_reportdsl_file_row")) FILTER(WHERE NOT "q" IS NULL) AS _a0_value, ARG_MAX("g1", (CAST("_reportdsl_file_index" AS BIGINT) * 1099511627776 + "_reportdsl_file_row")) FILTER(WHERE NOT "g1" IS NULL) AS _a1_value, ARG_MIN("p", (CAST("_reportdsl_file_index" AS BIGINT) * 1099511627776 + "_reportdsl_file_row")) FILTER(WHERE (("q" > 1)) AND NOT "p" IS NULL) AS _a2_value, ARG_MAX("d", (CAST("_reportdsl_file_index" AS BIGINT) * 1099511627776 + "_reportdsl_file_row")) FILTER(WHERE NOT "d" IS NULL) AS _a3_value FROM (SELECT *, file_index AS "_reportdsl_file_index", file_row_number AS "_reportdsl_file_row" FROM read_parquet('DIR/part*.parquet')
) AS _src GROUP BY GROUPING SETS (("g2"), ());
