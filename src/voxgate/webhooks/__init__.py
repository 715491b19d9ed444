"""Server messages on their way to a Vapi user's webhook server (VAPI-BEHAVIOUR §5.1)."""
