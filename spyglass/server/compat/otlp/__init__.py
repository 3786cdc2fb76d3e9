"""OTLP trace ingest: decode (protobuf / OTLP JSON), map conventions, write, acknowledge."""
