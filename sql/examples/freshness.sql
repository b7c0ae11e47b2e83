-- How fresh is the warehouse: the newest article, the last successful run, and the lags?
SELECT newest_published_date,
       days_since_newest_article,
       last_completed_run_at,
       hours_since_last_completed_run,
       last_run_at,
       last_run_status,
       newest_article_lag_days_at_run,
       current_articles
FROM source_freshness;
