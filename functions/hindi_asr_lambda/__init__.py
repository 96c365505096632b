"""Lambda adapters: the HTTP API (``api.handler``) and the S3 transcriber (``s3_transcriber.handler``)."""
