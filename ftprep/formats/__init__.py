"""Line formats: pydantic models of each target's JSONL line."""
