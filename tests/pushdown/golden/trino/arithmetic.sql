-- pushed down to trino
SELECT "g2" AS _k0, GROUPING("g2") AS _g, COUNT(*) AS _n, SUM(("q" * "p")) AS _a0_sum, COUNT(("q" * "p")) AS _a0_count, SUM((("q" * 2) - "q")) AS _a1_sum, COUNT((("q" * 2) - "q")) AS _a1_count, MAX((-"q")) AS _a2_value FROM "t" GROUP BY GROUPING SETS (("g2"), ());
