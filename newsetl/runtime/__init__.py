"""Running it: the Prefect API (a temporary server or a configured one), the local S3 endpoint of
the demo and of `make serve`, and serving the deployments. May import the stages below; never
the command line."""
