-- What is in quarantine, and why? Objects, bytes and the oldest age per failed expectation
-- (an object failing two expectations counts under both).
SELECT reason,
       count(*) AS objects,
       sum(size) AS bytes,
       max(age_days) AS oldest_days,
       list(key ORDER BY key)[1:5] AS sample_keys
FROM (SELECT unnest(reasons) AS reason, key, size, age_days FROM quarantine_open)
GROUP BY reason
ORDER BY objects DESC, reason;
