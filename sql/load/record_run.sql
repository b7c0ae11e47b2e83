-- The run's own row and every expectation outcome; applied for completed and failed runs alike.
INSERT INTO ingest_runs BY NAME SELECT * FROM run_row;

INSERT INTO dq_results BY NAME SELECT * FROM dq_rows;

INSERT INTO unread_objects BY NAME SELECT * FROM unread_rows;
