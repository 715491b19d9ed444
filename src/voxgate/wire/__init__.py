"""The wire contract: pydantic models of Vapi's JSON shapes. No I/O; imported by every room."""
