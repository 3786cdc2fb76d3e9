"""One module per attribute convention (OpenInference, OTel GenAI, Langfuse), on shared machinery."""
