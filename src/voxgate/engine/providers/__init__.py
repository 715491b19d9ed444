"""Speech and language services keyed by Vapi's `provider` values (plus voxgate's offline ones)."""
