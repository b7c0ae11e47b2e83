SELECT key, fts_main_$table.match_bm25(key, search_normalize(q)) AS score FROM $table
